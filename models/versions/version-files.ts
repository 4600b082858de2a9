// A version is only made live with the files it was registered with: its model file must still be
// in its folder with the sha256 its entry pins. Checked before the workers' manifest is rewritten,
// so a deleted or altered file is refused with its name rather than failing in every worker.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { VersionConflictError, type ModelVersion } from './version-store.ts';

export async function checkVersionFiles(modelsDir: string, v: ModelVersion): Promise<void> {
  const dir = path.resolve(modelsDir, v.dir);
  if (!existsSync(path.join(dir, 'manifest.json'))) throw new VersionConflictError(`model version "${v.id}": its folder ${dir} is gone; it cannot be made live`);
  if (typeof v.entry.file !== 'string' || typeof v.entry.sha256 !== 'string') return;
  const file = path.resolve(dir, v.entry.file);
  if (!existsSync(file)) throw new VersionConflictError(`model version "${v.id}": its model file ${file} is gone; it cannot be made live`);
  const sha256 = createHash('sha256').update(await readFile(file)).digest('hex');
  if (sha256 !== v.entry.sha256) {
    throw new VersionConflictError(`model version "${v.id}": ${file} has sha256 ${sha256}, not the ${v.entry.sha256} it was registered with; it cannot be made live`);
  }
}
