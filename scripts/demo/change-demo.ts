// The demo's survey against survey: two surveys of the same 80 m × 80 m registered through the API
// (the later one with the area's permitted-building layer), their orthomosaics made from sample
// images (change-pair.ts), compared, and the new block of buildings raised as an
// illegal_construction case of the later survey through the dedupe index and the dispatch queue,
// like every drone case; its before/after slider is on that survey's page. A restart finds both
// surveys and the pair again and reports the same sighting: no second case.
import path from 'node:path';
import type { Logger } from '../../infra/logger.ts';
import type { ObjectStore } from '../../infra/object-store.ts';
import type { CaseReporter } from '../../pipeline/cases/reporter.ts';
import { compareOrthomosaics } from '../../pipeline/change/compare-orthomosaics.ts';
import { reportConstructionCases } from '../../pipeline/change/construction-cases.ts';
import { surveyApiClient } from '../../pipeline/survey/upload-folder.ts';
import { makeChangePair } from './change-pair.ts';

export const DEMO_CHANGE_BEFORE = 'Demo orthomosaic, before: aero1.jpg as ground (80 m × 80 m, 0.125 m/px)';
export const DEMO_CHANGE_AFTER = 'Demo orthomosaic, after: a block of buildings from aero3.jpg added';
const DAY = 86_400_000;

export interface ChangeDemoOptions {
  apiUrl: string;
  operatorKey: string;
  reviewerKey: string;
  dataDir: string;
  objects: ObjectStore;
  reporter: CaseReporter;
  print: (line: string) => void;
  logger?: Logger;
}

export async function runChangeDemo(o: ChangeDemoOptions): Promise<void> {
  const pair = await makeChangePair(path.join(o.dataDir, 'change-demo'));
  const client = surveyApiClient(o.apiUrl, o.operatorKey);
  const { items } = await client.call<{ items: Array<{ id: string | number; name: string; flownAt: string }> }>('GET', '/v1/surveys');
  const survey = async (name: string, daysAgo: number, zones?: object) => {
    const found = items.find((s) => s.name === name);
    if (found) return { id: String(found.id), name, date: new Date(found.flownAt) };
    const flownAt = new Date(Date.now() - daysAgo * DAY).toISOString();
    const created = await client.call<{ id: string | number }>('POST', '/v1/surveys', { name, flownAt, timezone: 'Asia/Shanghai', ...(zones ? { zones } : {}) });
    return { id: String(created.id), name, date: new Date(flownAt) };
  };
  const before = await survey(DEMO_CHANGE_BEFORE, 60);
  const after = await survey(DEMO_CHANGE_AFTER, 1, { permittedBuildings: pair.permittedBuildings });
  const comparison = await compareOrthomosaics({ before: pair.before, after: pair.after });
  const report = await reportConstructionCases(
    comparison,
    { before: { name: before.name, date: before.date, surveyId: before.id }, after: { name: after.name, date: after.date, surveyId: after.id }, permittedBuildings: pair.permittedBuildings },
    { objects: o.objects, dedupe: o.reporter.dedupe, dispatch: o.reporter.queue, ...(o.logger ? { logger: o.logger } : {}) },
  );
  o.print(`change     survey #${before.id} against #${after.id} (orthomosaics, images only, after realigned by ${comparison.alignment.east.toFixed(1)} m E ${comparison.alignment.north.toFixed(1)} m N): ${comparison.candidates.length} candidate(s), ${report.cases.length} illegal_construction case(s)${report.cases.map((c) => ` — ${c.areaM2} m², score ${c.score}`).join('')}`);
  o.print(`change     before/after slider: ${o.apiUrl}/review/survey.html#survey=${after.id}&key=${o.reviewerKey}`);
}
