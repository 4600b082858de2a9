// Where the tests find real media: extracted from Debian packages by set-up, which `npm test` runs
// first. The product's own helper (the demo uses it too).
export { REPO_ROOT, samplePath } from '../../infra/samples.ts';
