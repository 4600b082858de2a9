// Rules from the air on located detections, zone layers with holes, which pixel of a box stands
// for the object, and what the survey report says about the detector and the types it cannot see.
import { describe, expect, it } from 'vitest';
import type { Position } from '../../contracts/survey.ts';
import { analysableTypes } from '../../models/analysable.ts';
import { loadManifest } from '../../models/manifest.ts';
import { loadViolationLabels } from '../../models/violation-labels.ts';
import { detectorStatement, planAirAnalysis } from '../../pipeline/survey/air-analysis.ts';
import { constructionFromAir, parkingFromAir, vendingFromAir, type Located } from '../../pipeline/survey/air-rules.ts';
import { offsetLatLon } from '../../pipeline/survey/georeference.ts';
import { anchorFor, anchorPixel } from '../../pipeline/survey/ground-points.ts';
import { DEFAULT_ALLOW_LISTS, whyDropped } from '../../pipeline/survey/label-allow-list.ts';
import { zoneLayer } from '../../pipeline/survey/zone-layers.ts';

const base = { lat: 31.23, lon: 121.47 };
/** A point east/north of the base, in metres. */
const at = (east: number, north: number) => ({ ...offsetLatLon(base.lat, base.lon, east, north), accuracyM: 2 });
const square = (e0: number, n0: number, e1: number, n1: number): Position[] => {
  const c = [at(e0, n0), at(e1, n0), at(e1, n1), at(e0, n1), at(e0, n0)];
  return c.map((p) => [p.lon, p.lat]);
};
const det = (label: string, east: number, north: number, score = 0.8): Located => ({ label, score, box: [0, 0, 10, 10], kept: true, location: at(east, north) });

describe('zone layers', () => {
  it('finds the area a point is in, minding holes and feature ids', () => {
    const layer = zoneLayer(
      { type: 'FeatureCollection', features: [{ type: 'Feature', id: 'gate-road', geometry: { type: 'Polygon', coordinates: [square(0, 0, 100, 100), square(40, 40, 60, 60)] }, properties: null }] },
      'no-parking',
    );
    expect(layer.find(at(10, 10).lon, at(10, 10).lat)?.id).toBe('gate-road');
    expect(layer.find(at(50, 50).lon, at(50, 50).lat)).toBeUndefined(); // in the hole
    expect(layer.find(at(150, 10).lon, at(150, 10).lat)).toBeUndefined();
    expect(zoneLayer(undefined, 'x').areas).toEqual([]);
  });
});

describe('rules from the air', () => {
  const noParking = zoneLayer({ type: 'Polygon', coordinates: [square(0, 0, 50, 20)] }, 'no-parking');
  it('reports kept vehicles inside no-parking areas only', () => {
    const out = parkingFromAir([det('car', 10, 10), det('car', 80, 10), det('person', 12, 10), { ...det('truck', 20, 10), kept: false }], noParking, ['car', 'truck']);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ type: 'illegal_parking', label: 'car', zone: 'no-parking-1' });
  });

  it('calls a cluster of props with a person on a sidewalk vending, and a lone umbrella nothing', () => {
    const sidewalk = zoneLayer({ type: 'Polygon', coordinates: [square(0, 0, 100, 5)] }, 'sidewalk');
    const s = { parkingLabels: [], vendingLabels: ['umbrella', 'dining table'], vendingRequires: ['person'], structureLabels: [] };
    const out = vendingFromAir([det('umbrella', 10, 2), det('dining table', 12, 2), det('person', 14, 3), det('umbrella', 60, 2)], sidewalk, s);
    expect(out).toHaveLength(1);
    expect(out[0]!.members.map((m) => m.label).sort()).toEqual(['dining table', 'person', 'umbrella']);
    expect(out[0]!.location.accuracyM).toBeGreaterThan(2); // the cluster's spread is added
  });

  it('reports structures outside every permitted footprint', () => {
    const permitted = zoneLayer({ type: 'Polygon', coordinates: [square(0, 0, 20, 20)] }, 'permitted');
    const out = constructionFromAir([det('shed', 10, 10), det('shed', 40, 10)], permitted, ['shed']);
    expect(out.map((v) => v.location)).toEqual([at(40, 10)]);
  });

  it('keeps COCO nonsense and low scores out of cases from the air', () => {
    const allow = DEFAULT_ALLOW_LISTS.survey;
    expect(whyDropped({ label: 'toilet', score: 0.9, box: [0, 0, 1, 1] }, allow)).toMatch(/not on the allow-list/);
    expect(whyDropped({ label: 'car', score: 0.3, box: [0, 0, 1, 1] }, allow)).toMatch(/under the 0.4 threshold/);
    expect(whyDropped({ label: 'car', score: 0.6, box: [0, 0, 1, 1] }, allow)).toBeUndefined();
  });
});

describe('ground anchor', () => {
  const pose = (pitchDeg: number) => ({ lat: 0, lon: 0, heightM: 50, pitchDeg, yawDeg: 0, focalLengthPx: 500, imageWidth: 100, imageHeight: 100 });
  it('takes the box centre looking down and the bottom-centre looking obliquely', () => {
    expect(anchorFor(pose(-88))).toBe('centre');
    expect(anchorFor(pose(-45))).toBe('bottom-centre');
    expect(anchorPixel([10, 20, 30, 60], 'centre')).toEqual([20, 40]);
    expect(anchorPixel([10, 20, 30, 60], 'bottom-centre')).toEqual([20, 60]);
  });
});

describe('what a survey report says about its detector', () => {
  it('names the COCO default as not aerial and says which types are not analysed and why', async () => {
    const manifest = await loadManifest();
    const mapping = await loadViolationLabels();
    const statement = detectorStatement(manifest.models.filter((m) => m.enabled !== false), [], DEFAULT_ALLOW_LISTS.survey, 0.2);
    expect(statement.aerial).toBe(false);
    expect(statement.statement).toContain(manifest.defaultDetector);
    expect(statement.statement).toMatch(/NOT an aerial model: .*COCO detector, trained on ground-level photos/);
    expect(statement.statement).toMatch(/finer ground sample distance first shrunk to the one the model suits \(nanodet-coco-416 4 cm\/px\)/);

    const plan = planAirAnalysis(analysableTypes(manifest, mapping), mapping, DEFAULT_ALLOW_LISTS.survey, { noParking: { type: 'Polygon', coordinates: [square(0, 0, 1, 1)] } });
    const byType = Object.fromEntries(plan.analysis.map((a) => [a.type, a]));
    expect(byType.illegal_construction).toMatchObject({ analysed: false });
    expect(byType.illegal_construction!.detail).toMatch(/^not analysed: no model/);
    expect(byType.street_vending!.detail).toMatch(/not on the survey label allow-list/);
    expect(byType.illegal_parking).toMatchObject({ analysed: true });
    expect(plan).toMatchObject({ parking: true, vending: false, construction: false });

    const withoutZones = planAirAnalysis(analysableTypes(manifest, mapping), mapping, DEFAULT_ALLOW_LISTS.survey, {});
    expect(withoutZones.analysis.find((a) => a.type === 'illegal_parking')!.detail).toMatch(/no no-parking areas/);
  });
});

