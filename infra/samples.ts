// Where the sample media live: extracted from Debian packages into samples/cache/ by set-up
// (scripts/setup.sh). A missing file says how to get it rather than failing obscurely.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function samplePath(relative: string): string {
  const file = path.join(REPO_ROOT, 'samples/cache', relative);
  if (!existsSync(file)) {
    throw new Error(`sample ${file} is missing: run \`npm run setup\` (npm start and npm test do it for you)`);
  }
  return file;
}
