// A field key acts for one unit: every case it reads or moves must be dispatched to that unit.
// Other roles are not bound to a unit.
import type { Actor } from './actor.ts';
import { CaseRefusal } from './refusal.ts';

export function assertCaseInScope(actor: Actor, caseId: number, caseUnit: string | null): void {
  if (actor.role !== 'field') return;
  if (caseUnit !== null && caseUnit === actor.unit) return;
  throw new CaseRefusal(403, 'not_your_unit', `case ${caseId} is not dispatched to unit ${actor.unit ?? '(none)'}, the unit of this key`);
}
