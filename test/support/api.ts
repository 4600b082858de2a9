// An API for one test: buildApi on PGlite (in memory) or on a database of a real PostgreSQL, with a
// folder object store, a settable clock, and one key per role.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { buildApi } from '../../api/app.ts';
import { createKey } from '../../api/auth/keys.ts';
import type { ApiConfig } from '../../api/config.ts';
import type { Role } from '../../api/case/actor.ts';
import type { DbSettings } from '../../api/store/db.ts';
import type { CaseObservation, EvidenceItem } from '../../contracts/case.ts';
import type { ObjectStore } from '../../infra/object-store.ts';

export interface TestApi {
  app: FastifyInstance;
  keys: Record<Role, string>;
  objects: ObjectStore;
  /** Moves the API's clock. */
  clock: { now: Date };
  headers(role: Role): Record<string, string>;
  close(): Promise<void>;
}

export async function startTestApi(db: DbSettings = { kind: 'pglite' }, extra: Partial<ApiConfig> = {}): Promise<TestApi> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'api-objects-'));
  const clock = { now: new Date('2026-03-02T02:00:00Z') }; // Monday 10:00 in Shanghai
  const app = await buildApi({
    db,
    objects: { kind: 'folder', dir },
    now: () => clock.now,
    logLevel: 'warn',
    // Camera passwords are sealed with a key of this test's own.
    cameraSecrets: { keyFile: `${dir}.camera-secret.key` },
    ...extra,
  });
  const keys = {} as Record<Role, string>;
  for (const role of ['ingest', 'operator', 'reviewer', 'admin'] as Role[]) keys[role] = (await createKey(app.db, role, `test ${role}`)).key;
  return {
    app,
    keys,
    objects: app.objects,
    clock,
    headers: (role) => ({ authorization: `Bearer ${keys[role]}` }),
    async close() {
      await app.close();
      await rm(dir, { recursive: true, force: true });
      await rm(`${dir}.camera-secret.key`, { force: true });
    },
  };
}

let counter = 0;

let smallJpeg: Promise<Buffer> | undefined;

/** A real 16x16 JPEG made unique by a comment segment right after its start marker. */
export async function uniqueJpeg(): Promise<Buffer> {
  smallJpeg ??= sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 90, g: 120, b: 150 } } }).jpeg().toBuffer();
  const base = await smallJpeg;
  const text = Buffer.from(`evidence ${++counter} ${Math.random()}`);
  const comment = Buffer.concat([Buffer.from([0xff, 0xfe, 0, text.length + 2]), text]);
  return Buffer.concat([base.subarray(0, 2), comment, base.subarray(2)]);
}

/** Evidence bytes really stored in the object store (a real JPEG unless given), so ingest finds and accepts them. */
export async function storedEvidence(objects: ObjectStore, kind: EvidenceItem['kind'] = 'frame', bytes?: Buffer): Promise<EvidenceItem> {
  const data = bytes ?? (await uniqueJpeg());
  const stored = await objects.put(data, 'image/jpeg');
  return { kind, key: stored.key, sha256: stored.sha256, contentType: 'image/jpeg', capturedAt: '2026-03-02T01:59:00.000Z', bytes: stored.bytes };
}

export function observation(overrides: Partial<CaseObservation> & { evidence: EvidenceItem[] }): CaseObservation {
  const n = ++counter;
  return {
    dedupeKey: `illegal_parking:${n}`,
    observationId: `obs-${n}-${Math.random().toString(36).slice(2)}`,
    type: 'illegal_parking',
    source: { kind: 'camera', id: 'cam-east-gate', name: '东门路口' },
    observedAt: '2026-03-02T01:59:00.000Z',
    score: 0.8,
    box: [100, 120, 300, 260],
    zoneId: 'no-parking-1',
    model: { id: 'nanodet-coco-416', sha256: 'a'.repeat(64) },
    ...overrides,
  };
}
