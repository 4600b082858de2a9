// Dispatching many cases at once from the board: all of them go to the unit, or none does. A case
// that cannot be dispatched (someone moved it meanwhile) or a unit that does not exist refuses the
// whole batch with the reason, so the board never leaves half a selection dispatched.
import type { Db } from '../store/db.ts';
import type { Actor } from './actor.ts';
import { deadlineFor, moveLocked } from './lifecycle.ts';
import { assertUnitExists } from './units.ts';

export interface BulkDispatchResult {
  unit: string;
  items: Array<{ caseId: number; from: string; to: string; auditId: number; dueAt: string | null }>;
}

export async function dispatchCases(db: Db, ids: number[], unit: string, note: string | undefined, actor: Actor, now: Date): Promise<BulkDispatchResult> {
  const unique = [...new Set(ids)].sort((a, b) => a - b); // one lock order, so two batches cannot deadlock
  return db.transaction(async (tx) => {
    await assertUnitExists(tx, unit);
    const items: BulkDispatchResult['items'] = [];
    for (const id of unique) items.push(await moveLocked(tx, id, { move: 'dispatch', unit, note }, actor, now));
    return { unit, items };
  });
}

/** When a case of each type dispatched now would be due. */
export async function dueTimesNow(db: Db, now: Date): Promise<Record<string, string | null>> {
  const types = await db.query<{ type: string }>('SELECT type FROM case_types ORDER BY type');
  const out: Record<string, string | null> = {};
  for (const { type } of types) out[type] = (await deadlineFor(db, type, now))?.toISOString() ?? null;
  return out;
}
