// Where the tests find real media: extracted from Debian packages by scripts/fetch-samples.sh,
// which `npm test` runs first. A missing file says how to get it rather than failing obscurely.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function samplePath(relative: string): string {
  const file = path.join(REPO_ROOT, 'samples/cache', relative);
  if (!existsSync(file)) {
    throw new Error(`sample ${file} is missing: run \`npm run setup\` (npm test does it for you)`);
  }
  return file;
}
