// The field units cases are dispatched to (城管中队, 环卫所 …). A city lists them once; dispatching
// to a name that is not listed is refused, so a typo cannot send a case nowhere.
import type { Queryable } from '../store/db.ts';
import { CaseRefusal } from './refusal.ts';

export interface Unit {
  id: string;
  name: string;
}

export async function listUnits(db: Queryable): Promise<Unit[]> {
  const rows = await db.query<{ id: string; name: string }>('SELECT id, name FROM units ORDER BY id');
  return rows.map((r) => ({ id: r.id, name: r.name }));
}

/** Creates or renames a unit; true when it is new. */
export async function putUnit(db: Queryable, unit: Unit, now: Date): Promise<boolean> {
  const [row] = await db.query<{ created: boolean }>(
    `INSERT INTO units (id, name, created_at, updated_at) VALUES ($1, $2, $3, $3)
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, updated_at = EXCLUDED.updated_at
     RETURNING (xmax = 0) AS created`,
    [unit.id, unit.name, now],
  );
  return row?.created ?? false;
}

/** Refuses (422) a unit that is not listed, naming the ones that are. */
export async function assertUnitExists(db: Queryable, id: string, field = 'unit'): Promise<void> {
  const [row] = await db.query('SELECT 1 FROM units WHERE id = $1', [id]);
  if (row) return;
  const known = (await listUnits(db)).map((u) => u.id);
  throw new CaseRefusal(
    422,
    'unknown_unit',
    `${field} ${JSON.stringify(id)} is not a unit; ${known.length ? `known units: ${known.join(', ')}` : 'no units are listed yet (PUT /v1/units/{id})'}`,
  );
}
