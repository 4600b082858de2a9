// `npm run models -- register|promote|rollback …`: model versions from the command line, on the
// API's own database (DATABASE_URL, else the embedded PGlite in DATA_DIR/pglite) and models folder
// (DATA_DIR/models). An embedded database is opened by one process at a time: with `npm start`
// running, use the models page or POST /v1/models/… instead.
import path from 'node:path';
import { configFromEnv } from '../../api/config.ts';
import { openDb } from '../../api/store/db.ts';
import { migrate } from '../../api/store/migrate.ts';
import { parseCli, usageError, type Cli } from '../../scripts/cli/args.ts';
import { DETECTOR_PROMOTION_RULE } from './detector-promotion-rule.ts';
import type { DetectorTrainingRequest } from './detector-training-job.ts';
import { createTrainingQueue } from './training-queue.ts';
import { promoteVersion, rollBack, type VersionsPlace } from './promotion.ts';
import { registerDetector } from './register-detector.ts';

const ACTOR = { name: process.env.USER ? `cli:${process.env.USER}` : 'cli', role: 'admin' };

/**
 * `queue-detector`: puts a detector fine-tune of a dataset export on the `training` queue (REDIS_URL),
 * for the training worker (`npm start` runs one) to train, register and promote if the rule agrees.
 * Run nightly after `npm run dataset:export`; the run key (default: the dataset folder and the date)
 * makes a second queueing of the same night one job.
 */
export async function queueDetectorCommand(args: string[], cli: Cli): Promise<number> {
  const { values } = parseCli(
    {
      ...cli,
      options: {
        dataset: { type: 'string' }, base: { type: 'string', default: 'nanodet-coco-416' }, minutes: { type: 'string' }, epochs: { type: 'string' },
        classes: { type: 'string' }, 'label-map': { type: 'string' }, 'gsd-cm': { type: 'string' }, 'freeze-backbone': { type: 'boolean', default: false },
        'run-key': { type: 'string' }, redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' }, prefix: { type: 'string', default: process.env.QUEUE_PREFIX },
      },
    },
    args,
  );
  if (!values.dataset) usageError(cli, 'queue-detector needs --dataset (a dataset:export folder)');
  const positive = (flag: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!(n > 0)) usageError(cli, `${flag} must be a positive number (got "${v}")`);
    return n;
  };
  const dataset = path.resolve(values.dataset);
  const request: DetectorTrainingRequest = {
    kind: 'detector',
    runKey: values['run-key'] ?? `detector-${path.basename(dataset)}-${new Date().toISOString().slice(0, 10)}`,
    dataset,
    base: values.base!,
    ...(values.minutes ? { minutes: positive('--minutes', values.minutes)! } : {}),
    ...(values.epochs ? { epochs: positive('--epochs', values.epochs)! } : {}),
    ...(values.classes ? { classes: values.classes.split(',').map((c) => c.trim()).filter(Boolean) } : {}),
    ...(values['label-map'] ? { labelMap: path.resolve(values['label-map']) } : {}),
    ...(values['gsd-cm'] ? { gsdCm: positive('--gsd-cm', values['gsd-cm'])! } : {}),
    ...(values['freeze-backbone'] ? { freezeBackbone: true } : {}),
  };
  const queue = createTrainingQueue({ redisUrl: values.redis!, ...(values.prefix ? { prefix: values.prefix } : {}) });
  try {
    await queue.enqueueDetector(request);
  } finally {
    await queue.close();
  }
  console.log(`queued detector training ${request.runKey} of ${dataset} (base ${request.base}) on the training queue`);
  return 0;
}

export async function versionsCommand(name: 'register' | 'promote' | 'rollback', args: string[], cli: Cli): Promise<number> {
  const { values, positionals } = parseCli(
    {
      ...cli,
      positionals: true,
      options: {
        id: { type: 'string' }, dataset: { type: 'string' }, 'data-dir': { type: 'string' },
        promote: { type: 'boolean', default: false }, override: { type: 'boolean', default: false }, reason: { type: 'string' },
      },
    },
    args,
  );
  if (positionals.length !== 1) usageError(cli, `${name} takes exactly one ${name === 'register' ? "trainer manifest (OUT/manifest.json)" : name === 'promote' ? 'version id' : 'target'}`);
  if (name === 'register' && !values.id) usageError(cli, 'register needs --id (the id the trainer gave the model)');
  const config = configFromEnv(values['data-dir'] ? { ...process.env, DATA_DIR: values['data-dir'] } : process.env);
  const db = await openDb(config.db);
  try {
    await migrate(db);
    const place: VersionsPlace = { db, modelsDir: config.modelsDir! };
    const reason = values.reason ?? null;
    if (name === 'rollback') {
      const p = await rollBack(place, positionals[0]!, ACTOR, new Date(), reason);
      console.log(`${p.target}: ${p.versionId ?? 'no model'} is live again; the workers reload ${path.join(place.modelsDir, 'manifest.json')}`);
      return 0;
    }
    if (name === 'promote') {
      const p = await promoteVersion(place, positionals[0]!, ACTOR, new Date(), reason, { overrideRule: values.override });
      console.log(`${p.versionId} is the live ${p.target} model (was ${p.previousId ?? 'none'}); the workers reload ${path.join(place.modelsDir, 'manifest.json')}`);
      return 0;
    }
    const v = await registerDetector(place, {
      manifest: positionals[0]!, id: values.id!, ...(values.dataset ? { dataset: values.dataset } : {}), actor: ACTOR.name, at: new Date(),
      log: (_obj, msg) => console.error(msg),
    });
    const c = v.comparison!;
    console.log(`registered ${v.id} as a ${v.target} version in ${path.join(place.modelsDir, v.dir)}`);
    console.log(`held-out comparison (${JSON.stringify(c.heldOut)}) against ${String(c.current?.id)}:`);
    for (const r of c.reasons) console.log(`  ${r}`);
    console.log(`rule: ${DETECTOR_PROMOTION_RULE}`);
    console.log(`decision: ${c.decision}`);
    if (values.promote) {
      if (c.decision === 'refuse' && !values.override) {
        console.log(`not promoted: the rule refused it (npm run models -- promote ${v.id} --override --reason "…" overrules it)`);
        return 1;
      }
      const p = await promoteVersion(place, v.id, ACTOR, new Date(), reason ?? 'registered with --promote', { overrideRule: values.override });
      console.log(`${p.versionId} is the live ${p.target} model; the survey workers reload it`);
    }
    return 0;
  } finally {
    await db.close();
  }
}
