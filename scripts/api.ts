// The dispatch API on embedded defaults (`npm run api`): PGlite in data/pglite and evidence in
// data/objects unless DATABASE_URL / S3_ENDPOINT say otherwise. On the first start of an empty
// store it prints an admin key, once; the store keeps only its hash.
import { buildApi } from '../api/app.ts';
import { configFromEnv } from '../api/config.ts';
import { parseCli } from './cli/args.ts';

// Everything is configured by the environment (README, "The dispatch API"); the command takes no options.
parseCli({ command: 'npm run api', usage: 'usage: npm run api   (configured by the environment: DATABASE_URL, DATA_DIR, HOST, PORT, REDIS_URL, TRUST_PROXY, TLS_KEY_FILE… see README)', options: {} });

const config = configFromEnv();
const app = await buildApi(config);
const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT ?? 8080);
await app.listen({ host, port });
const base = `${config.tls ? 'https' : 'http'}://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
const store = config.db.kind === 'postgres' ? 'PostgreSQL (DATABASE_URL)' : `PGlite in ${config.db.dir}`;
console.log(`cases API on ${base}  ·  store: ${store}  ·  evidence: ${app.objects.describe()}`);
console.log(`  reviewer page  ${base}/review/`);
console.log(`  API docs       ${base}/docs`);
if (app.firstAdminKey) {
  console.log('');
  console.log('First start: an admin API key was created. It is shown this once; keep it somewhere safe.');
  console.log(`  ${app.firstAdminKey}`);
  console.log(`  reviewer page, signed in: ${base}/review/#key=${app.firstAdminKey}`);
  console.log('  more keys (ingest for workers, reviewer, operator): POST /v1/keys with this key');
}

let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
