// Who did something, as the audit trail records it: the API key's name and role. A field key is
// bound to one unit and acts on that unit's cases only.
export type Role = 'ingest' | 'operator' | 'reviewer' | 'dispatcher' | 'field' | 'admin';

export const ROLES: readonly Role[] = ['ingest', 'operator', 'reviewer', 'dispatcher', 'field', 'admin'];

export interface Actor {
  keyId: string;
  name: string;
  role: Role;
  /** field keys: the unit whose cases the key may see and handle. */
  unit?: string;
}

/** The actor the system records when it verifies a case by looking again (DESIGN.md, "Roles"). */
export const SYSTEM_VERIFIER = 'system:verifier';
