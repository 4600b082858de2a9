// The case store: PostgreSQL through `pg` when a DATABASE_URL is given, otherwise PGlite (Postgres
// compiled to WASM) in a local folder. Both speak the same SQL and run the same migrations, so the
// embedded default is the production schema, not a look-alike.
import { mkdir } from 'node:fs/promises';

export type Row = Record<string, unknown>;

export interface Queryable {
  query<T extends Row = Row>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Several statements at once, no parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs fn in one transaction; rolls back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export type DbSettings = { kind: 'postgres'; url: string; poolSize?: number } | { kind: 'pglite'; dir?: string };

export async function openDb(settings: DbSettings): Promise<Db> {
  return settings.kind === 'postgres' ? openPostgres(settings.url, settings.poolSize ?? 10) : openPglite(settings.dir);
}

const INT8 = 20;

async function openPostgres(url: string, poolSize: number): Promise<Db> {
  const pg = (await import('pg')).default;
  // Ids are bigint; as JS numbers they are exact to 2^53, far beyond any city's case count.
  // Set per pool, not on pg's global type table, so nothing else in the process is affected.
  const types = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
  };
  const pool = new pg.Pool({ connectionString: url, max: poolSize, types });
  // An idle client losing its server (restart) must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const run = async <T extends Row>(client: { query: (s: string, p?: unknown[]) => Promise<{ rows: unknown[] }> }, sql: string, params?: unknown[]) =>
    (await client.query(sql, params)).rows as T[];
  return {
    kind: 'postgres',
    query: (sql, params) => run(pool, sql, params),
    exec: async (sql) => {
      await pool.query(sql);
    },
    transaction: async (fn) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn({
          query: (sql, params) => run(client, sql, params),
          exec: async (sql) => {
            await client.query(sql);
          },
        });
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

async function openPglite(dir: string | undefined): Promise<Db> {
  const { PGlite, types } = await import('@electric-sql/pglite');
  if (dir) await mkdir(dir, { recursive: true });
  const db = await PGlite.create(dir, { parsers: { [types.INT8]: (v: string) => Number(v) } });
  return {
    kind: 'pglite',
    query: async (sql, params) => (await db.query(sql, params)).rows as never,
    exec: async (sql) => {
      await db.exec(sql);
    },
    // PGlite runs one transaction at a time, which also serialises concurrent ingests of one case.
    transaction: (fn) =>
      db.transaction((tx) =>
        fn({
          query: async (sql, params) => (await tx.query(sql, params)).rows as never,
          exec: async (sql) => {
            await tx.exec(sql);
          },
        }),
      ),
    close: () => db.close(),
  };
}
