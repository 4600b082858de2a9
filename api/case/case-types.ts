// The operator-editable table of violation types: Chinese name, handling limit, and the
// (standard, code) pairs a case is filed under. New cases copy the primary pair, so a case keeps
// the code it was filed with when the table changes later.
import type { Db } from '../store/db.ts';
import { dueAt, type WorkingCalendar } from './deadline.ts';

/**
 * The longest handling limit a type may have: a year (366 days). Longer is a typo, not a policy; and
 * in working time a year already spans several calendar years, which the deadline still finds.
 */
export const HANDLING_LIMIT_MAX_MINUTES = 366 * 24 * 60;

/**
 * Whether a limit counted in working time ends under a calendar (a minute a week and a year-long
 * limit never does). Checked when either is changed, so dispatching, and the due times the board
 * shows, always find a due time.
 */
export function deadlineReachable(limitMinutes: number, calendar: WorkingCalendar, now: Date): boolean {
  try {
    dueAt(now, limitMinutes, true, calendar);
    return true;
  } catch {
    return false;
  }
}

export interface CaseTypeRecord {
  type: string;
  nameZh: string;
  handlingLimitMinutes: number;
  workingTime: boolean;
  codes: Array<{ standard: string; code: string; primary: boolean }>;
  updatedAt: string;
}

export interface CaseTypeUpdate {
  nameZh: string;
  handlingLimitMinutes: number;
  workingTime: boolean;
  codes: Array<{ standard: string; code: string; primary?: boolean }>;
}

export async function listCaseTypes(db: Db): Promise<CaseTypeRecord[]> {
  const [types, codes] = await Promise.all([
    db.query('SELECT * FROM case_types ORDER BY type'),
    db.query('SELECT * FROM type_codes ORDER BY type, is_primary DESC, standard, code'),
  ]);
  return types.map((t) => ({
    type: t.type as string,
    nameZh: t.name_zh as string,
    handlingLimitMinutes: t.handling_limit_minutes as number,
    workingTime: t.working_time as boolean,
    codes: codes
      .filter((c) => c.type === t.type)
      .map((c) => ({ standard: c.standard as string, code: c.code as string, primary: c.is_primary as boolean })),
    updatedAt: (t.updated_at as Date).toISOString(),
  }));
}

/** Replaces a type's row and its codes. Returns false when the type does not exist. */
export async function updateCaseType(db: Db, type: string, update: CaseTypeUpdate, now: Date): Promise<boolean> {
  return db.transaction(async (tx) => {
    const rows = await tx.query(
      'UPDATE case_types SET name_zh = $2, handling_limit_minutes = $3, working_time = $4, updated_at = $5 WHERE type = $1 RETURNING type',
      [type, update.nameZh, update.handlingLimitMinutes, update.workingTime, now],
    );
    if (rows.length === 0) return false;
    await tx.query('DELETE FROM type_codes WHERE type = $1', [type]);
    for (const c of update.codes) {
      await tx.query('INSERT INTO type_codes (type, standard, code, is_primary) VALUES ($1, $2, $3, $4)', [type, c.standard, c.code, !!c.primary]);
    }
    return true;
  });
}

export async function getSetting<T>(db: Db, name: string): Promise<T | undefined> {
  const [row] = await db.query<{ value: T }>('SELECT value FROM settings WHERE name = $1', [name]);
  return row?.value;
}

export async function putSetting(db: Db, name: string, value: unknown, now: Date): Promise<void> {
  await db.query(
    `INSERT INTO settings (name, value, updated_at) VALUES ($1, $2, $3)
     ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at`,
    [name, JSON.stringify(value), now],
  );
}
