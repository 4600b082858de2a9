// The held-out split of reviewed crops: stable by camera where there are cameras enough, by case for
// a pilot with one camera a type, and never a class measured or trained on nothing when it can be
// avoided.
import { describe, expect, it } from 'vitest';
import { caseOf, MIN_SOURCES, splitReviews, treeName } from '../../models/versions/review-split.ts';
import type { Crop } from '../../models/train/image-folder.ts';

const crop = (camera: string, caseId: number, n: number, label: number): Crop => ({ file: `/t/${label ? 'rejected' : 'confirmed'}/${camera}__c${caseId}-${n}.jpg`, label, source: camera });
const cameras = (count: number) => Array.from({ length: count }, (_, i) => `cam${i}`);

describe('splitting reviews', () => {
  it('by camera with enough cameras: every crop of a camera on one side, the same side in every run', () => {
    const crops = cameras(12).flatMap((c, i) => [crop(c, i * 10, 1, i % 2), crop(c, i * 10 + 1, 1, i % 2)]);
    const split = splitReviews(crops);
    expect(split.splitBy).toBe('source');
    const heldCameras = new Set(split.heldOut.map((c) => c.source));
    expect(heldCameras.size).toBeGreaterThan(0);
    for (const c of split.train) expect(heldCameras.has(c.source)).toBe(false);
    // A camera keeps its side when more reviews come in from other cameras.
    const more = splitReviews([...crops, ...cameras(20).slice(12).map((c, i) => crop(c, 500 + i, 1, i % 2))]);
    for (const c of split.heldOut) expect(more.heldOut.some((h) => h.file === c.file)).toBe(true);
    for (const c of split.train) expect(more.train.some((t) => t.file === c.file)).toBe(true);
  });

  it(`by case with fewer than ${MIN_SOURCES} cameras, each class on both sides`, () => {
    // One camera, as in a pilot or the demo: four confirmed cases, two rejected.
    const crops = [1, 2, 3, 4].map((id) => crop('demo-dog-street', id, 1, 0)).concat([5, 6].map((id) => crop('demo-dog-street', id, 1, 1)));
    const split = splitReviews(crops);
    expect(split.splitBy).toBe('case');
    for (const label of [0, 1]) {
      expect(split.train.some((c) => c.label === label)).toBe(true);
      expect(split.heldOut.some((c) => c.label === label)).toBe(true);
    }
    // Two crops of one case stay together.
    const twice = splitReviews([...crops, crop('demo-dog-street', 1, 2, 0)]);
    const sideOf = (file: string) => (twice.heldOut.some((c) => c.file === file) ? 'held' : 'train');
    expect(sideOf('/t/confirmed/demo-dog-street__c1-1.jpg')).toBe(sideOf('/t/confirmed/demo-dog-street__c1-2.jpg'));
  });

  it('a class with one source only stays where the hash puts it (the job then names the class)', () => {
    // Cases whose hash holds them out, and cases it trains on, found the way the job finds them.
    const heldAlone = (id: number) => splitReviews([crop('one', id, 1, 1)]).heldOut.length === 1;
    const ids = Array.from({ length: 40 }, (_, i) => i + 1);
    for (const id of [ids.find(heldAlone)!, ids.find((i) => !heldAlone(i))!]) {
      const split = splitReviews([crop('one', 100, 1, 0), crop('one', 101, 1, 0), crop('one', id, 1, 1)]);
      expect(split.heldOut.some((c) => c.label === 1)).toBe(heldAlone(id));
    }
  });

  it('names: the case of an exported crop, and the tree name that makes the case its source', () => {
    const c = crop('gate-3', 42, 2, 0);
    expect(caseOf(c)).toBe('gate-3-c42');
    expect(treeName(c, 'case')).toBe('gate-3-c42__2.jpg');
    expect(treeName(c, 'source')).toBe('gate-3__c42-2.jpg');
    // A crop named otherwise is its own source, and keeps its name.
    const other: Crop = { file: '/t/confirmed/photo.jpg', label: 0, source: 'confirmed/photo.jpg' };
    expect(caseOf(other)).toBe('confirmed/photo.jpg');
    expect(treeName(other, 'case')).toBe('photo.jpg');
  });
});
