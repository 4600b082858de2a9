// The embedded object store: one file per object under a folder, fanned out by the first hex
// digits so no directory grows huge. Files are written to a temporary name and renamed, so a crash
// mid-write never leaves a partial object under a real key.
import { randomBytes } from 'node:crypto';
import { access, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { assertKey, sha256Hex, type ObjectStore, type StoredObject } from './object-store.ts';

export class FolderObjectStore implements ObjectStore {
  constructor(private readonly dir: string) {}

  private file(key: string): string {
    assertKey(key);
    return path.join(this.dir, key.slice(0, 2), key.slice(2, 4), key);
  }

  async put(bytes: Buffer, _contentType: string): Promise<StoredObject> {
    const sha256 = sha256Hex(bytes);
    const file = this.file(sha256);
    if (!(await this.has(sha256))) {
      await mkdir(path.dirname(file), { recursive: true });
      const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        await writeFile(tmp, bytes);
        await rename(tmp, file);
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
    }
    return { key: sha256, sha256, bytes: bytes.length };
  }

  async get(key: string): Promise<Buffer | null> {
    try {
      return await readFile(this.file(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async has(key: string): Promise<boolean> {
    try {
      await access(this.file(key));
      return true;
    } catch {
      return false;
    }
  }

  async ready(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const probe = path.join(this.dir, `.ready-${randomBytes(4).toString('hex')}`);
    await writeFile(probe, '');
    await rm(probe, { force: true });
  }

  describe(): string {
    return `folder ${this.dir}`;
  }
}
