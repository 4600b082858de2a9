// The two stores the API runs on, for describe.each: PGlite (the embedded default) and a real
// PostgreSQL started once per test file (a fresh database per suite), stopped by stopBackends().
import { afterAll } from 'vitest';
import type { DbSettings } from '../../api/store/db.ts';
import { startPostgres, type TestPostgres } from './postgres-server.ts';

export function dbBackends(databasePrefix: string): Array<[string, () => Promise<DbSettings>]> {
  let postgres: TestPostgres | undefined;
  afterAll(async () => {
    await postgres?.stop();
  });
  return [
    ['PGlite', async () => ({ kind: 'pglite' })],
    [
      'PostgreSQL',
      async () => {
        postgres ??= await startPostgres();
        return { kind: 'postgres', url: await postgres.createDatabase(`${databasePrefix}_${Date.now()}`) };
      },
    ],
  ];
}
