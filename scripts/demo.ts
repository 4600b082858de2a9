// The main job (`npm start`, after set-up): the whole product on embedded defaults — a local
// redis-server, the API with its reviewer page, three sample cameras on a loopback RTSP server, the
// camera, dispatch and survey workers, and a sample drone survey (scripts/demo/run-demo.ts).
// Ctrl-C stops everything; running it again reuses data/.
//   npm start                     (after set-up: tsx scripts/demo.ts [--dwell 20] [--port 8080] [--redis-port 6390]
//                                  [--rtsp-port 8554] [--metrics-port 9464] [--no-survey])
import { parseCli, usageError } from './cli/args.ts';
import { startDemo } from './demo/run-demo.ts';

const cli = {
  command: 'npm start',
  usage: 'usage: npm start   (after set-up: tsx scripts/demo.ts [--dwell 20] [--port 8080] [--redis-port 6390] [--rtsp-port 8554] [--metrics-port 9464] [--no-survey])',
};
const { values } = parseCli({
  ...cli,
  options: {
    dwell: { type: 'string', default: process.env.DEMO_DWELL_SECONDS ?? '20' },
    port: { type: 'string', default: process.env.PORT },
    'redis-port': { type: 'string', default: process.env.DEMO_REDIS_PORT },
    'rtsp-port': { type: 'string', default: process.env.DEMO_RTSP_PORT },
    'metrics-port': { type: 'string', default: process.env.DEMO_METRICS_PORT },
    'no-survey': { type: 'boolean', default: false },
  },
});
const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
const dwell = Number(values.dwell);
if (!(dwell >= 10)) usageError(cli, `--dwell must be a number of seconds, at least 10, got "${values.dwell}"`);
for (const name of ['port', 'redis-port', 'rtsp-port', 'metrics-port'] as const) {
  const v = values[name];
  if (v !== undefined && !(Number.isInteger(Number(v)) && Number(v) >= 0 && Number(v) < 65536)) usageError(cli, `--${name} must be a port number (0: any free one), got "${v}"`);
}
const started = Date.now();
console.log(`Starting the whole product on embedded defaults. Demo dwell times: ${dwell} s (in production 300 s for parking).`);

const demo = await startDemo({
  dwellSeconds: dwell,
  ports: { api: num(values.port), redis: num(values['redis-port']), rtsp: num(values['rtsp-port']), metrics: num(values['metrics-port']) },
  survey: !values['no-survey'],
}).catch((err: Error) => {
  console.error(`demo: could not start: ${err.message}`);
  process.exit(1);
});

console.log('');
console.log('Violation types:');
for (const line of demo.analysis) console.log(`  ${line}`);
console.log('');
console.log(`Reviewer page: ${demo.urls.review}`);
console.log(`Dispatch board: ${demo.urls.board}`);
console.log(`Field page:    ${demo.urls.field}  (a phone of unit demo-unit-1; handled needs a photo and a note)`);
console.log(`Map:           ${demo.urls.map}`);
console.log(`Assessment:    ${demo.urls.assessment}  (考核: units' on-time rates, CSV and Excel downloads)`);
console.log(`Models:        ${demo.urls.models}  (admin key: versions, compare, promote, roll back; trained after ${demo.training.afterReviews} reviews of a type: ${demo.training.describe})`);
console.log(`Status:        ${demo.urls.status}  (any API key: Authorization: Bearer <key>)`);
console.log(`Logs:          ${demo.logFile}`);
if (demo.keys.firstAdmin) {
  console.log('');
  console.log('First start: an admin API key was created. It is shown this once; keep it somewhere safe.');
  console.log(`  ${demo.keys.firstAdmin}`);
}
console.log('');
console.log(`Ready in ${((Date.now() - started) / 1000).toFixed(1)} s. Cases appear within a minute or two as the ${dwell} s demo dwell passes (the parked pick-up in dog.jpg first). Ctrl-C stops everything.`);
console.log('');
console.log(`Teach it: the bus-stop camera raises its waiting buses as illegal parking, as a dwell rule must. Reject them on the`);
console.log(`reviewer page and confirm the parked cars: after ${demo.training.afterReviews} reviews a verdict model is trained on them, promoted if it`);
console.log('beats chance on reviews it did not learn from, and the open cases then show "likely confirmed" or "likely false alarm".');

// `npm start` runs this file in the process npm signals (`exec node --import tsx`, no tsx wrapper:
// tsx's relay SIGKILLs a child that is too busy to acknowledge within 30 ms, which orphans redis and
// ffmpeg). A Ctrl-C in a terminal reaches npm and this process at once, and npm relays it again:
// only a second Ctrl-C pressed later (2 s) forces the exit.
let firstSignalAt = 0;
const stop = (signal: string) => {
  if (firstSignalAt) {
    if (Date.now() - firstSignalAt > 2000) {
      console.log('forced exit.');
      process.exit(130);
    }
    return;
  }
  firstSignalAt = Date.now();
  console.log(`\n${signal}: stopping (cameras handed back, workers closed, redis written to disk)…`);
  demo.stop().then(
    () => {
      console.log('stopped.');
      process.exit(0);
    },
    (err: Error) => {
      console.error(`stop failed: ${err.message}`);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
