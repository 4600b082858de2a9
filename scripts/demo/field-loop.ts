// The demo's part of the loop after review: one field unit with a field key (kept in data/keys like
// the other embedded keys), the verifier that looks again at handled camera cases, and the lines
// that announce cases changing status (reopened by a new sighting, verified or sent back by the
// camera's second look).
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createKey, KeyVerifier } from '../../api/auth/keys.ts';
import { putUnit } from '../../api/case/units.ts';
import type { Db } from '../../api/store/db.ts';
import type { Logger } from '../../infra/logger.ts';
import type { ObjectStore } from '../../infra/object-store.ts';
import { loadViolationLabels } from '../../models/violation-labels.ts';
import type { ModelRegistry } from '../../models/registry.ts';
import { cameraSecretsFromEnv } from '../../pipeline/cameras/camera-secret-source.ts';
import { grabFrame } from '../../pipeline/verify/grab-frame.ts';
import { startVerifier, urlResolver, type Verifier } from '../../pipeline/verify/verifier.ts';

export const DEMO_UNIT = { id: 'demo-unit-1', name: '城管一中队 (demo)' };

/** The demo unit, and a field key bound to it (the saved one while the store accepts it). */
export async function demoFieldKey(db: Db, keysDir: string, now: Date): Promise<string> {
  await putUnit(db, DEMO_UNIT, now);
  const file = path.join(keysDir, 'field.key');
  const saved = (await readFile(file, 'utf8').catch(() => '')).trim();
  const actor = saved ? await new KeyVerifier(db, 0).verify(saved) : null;
  if (actor?.role === 'field' && actor.unit === DEMO_UNIT.id) return saved;
  const created = await createKey(db, 'field', `${DEMO_UNIT.name} phone`, DEMO_UNIT.id);
  await mkdir(keysDir, { recursive: true, mode: 0o700 });
  await writeFile(file, `${created.key}\n`, { mode: 0o600 });
  return created.key;
}

export interface DemoVerifierOptions {
  apiUrl: string;
  ingestKey: string;
  objects: ObjectStore;
  models: ModelRegistry;
  lookAfterSeconds: number;
  print: (line: string) => void;
  logger: Logger;
}

export async function startDemoVerifier(o: DemoVerifierOptions): Promise<Verifier> {
  const labels = await loadViolationLabels();
  return startVerifier({
    apiUrl: o.apiUrl,
    key: o.ingestKey,
    lookAfterSeconds: o.lookAfterSeconds,
    intervalMs: 10_000,
    objects: o.objects,
    detector: { detectFrame: (frame) => o.models.current().detectFrame(frame) },
    labelsOf: (type) => labels.types[type as keyof typeof labels.types]?.labels ?? [],
    grab: (camera) => grabFrame(camera, camera.url),
    resolveUrl: urlResolver(await cameraSecretsFromEnv()),
    logger: o.logger,
    onResult: ({ caseId, outcome, to }) =>
      o.print(
        outcome === 'gone'
          ? `verified   #${caseId} by the camera looking again: the place is empty (${to})`
          : `again      #${caseId}: the camera looked again and it is still there; back to the unit (${to})`,
      ),
  });
}

/** A line for a case whose status changed since it was last seen, or undefined when nothing worth saying changed. */
export function statusChangeLine(c: { id: number; type: string; source: { id: string }; status: string }, before: string): string | undefined {
  if (c.status === before) return undefined;
  if (c.status === 'reopened') return `reopened   #${c.id} ${c.type} at ${c.source.id}: seen again after it was ${before}`;
  return undefined;
}
