// Plain SQL migration files (api/migrations/NNNN_name.sql), applied in name order at start and
// recorded with their sha256: a file edited after it was applied is an error, not silently skipped.
// One transaction under an advisory lock, so API instances starting together do not race.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from './db.ts';

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../migrations');
const LOCK_ID = 4_747_801; // any constant; names this app's migration lock

export async function migrate(db: Db, dir: string = MIGRATIONS_DIR): Promise<string[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f)).sort();
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_ID]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name text PRIMARY KEY, sha256 text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const applied = new Map(
      (await tx.query<{ name: string; sha256: string }>('SELECT name, sha256 FROM schema_migrations')).map((r) => [r.name, r.sha256]),
    );
    const done: string[] = [];
    for (const file of files) {
      const sql = await readFile(path.join(dir, file), 'utf8');
      const sha = createHash('sha256').update(sql).digest('hex');
      const before = applied.get(file);
      if (before !== undefined) {
        if (before !== sha) throw new Error(`migration ${file} was changed after it was applied (add a new migration instead)`);
        continue;
      }
      await tx.exec(sql);
      await tx.query('INSERT INTO schema_migrations (name, sha256) VALUES ($1, $2)', [file, sha]);
      done.push(file);
    }
    return done;
  });
}
