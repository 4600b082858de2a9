// Who did something, as the audit trail records it: the API key's name and role.
export type Role = 'ingest' | 'operator' | 'reviewer' | 'admin';

export const ROLES: readonly Role[] = ['ingest', 'operator', 'reviewer', 'admin'];

export interface Actor {
  keyId: string;
  name: string;
  role: Role;
}
