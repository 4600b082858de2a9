// Attribute labels reviewers give a case's object with single keys on the review page (issue 14,
// "Attribute classifiers"): a truck's cover to start with. They become training crops
// (`dataset:export --crops` writes crops/<attribute>/<value>/) for the classifier of that attribute.
// A city adds an attribute here: its values, the key for each, and the detector labels it applies to.
import type { Queryable } from '../store/db.ts';
import { CaseRefusal } from './refusal.ts';
import type { Actor } from './actor.ts';
import { appendAudit } from './lifecycle.ts';
import type { CaseStatus } from '../../contracts/case.ts';

export interface AttributeVocabulary {
  /** Detector labels whose objects have this attribute; a case of another label cannot be labelled. */
  appliesTo: string[];
  /** Violation types whose cases always can be (their object is the attribute's kind whatever its label). */
  types: string[];
  values: Array<{ value: string; key: string; name: string }>;
}

export const ATTRIBUTE_LABELS: Record<string, AttributeVocabulary> = {
  cover: {
    // The labels the 渣土车未覆盖 rule watches (models/violation-labels.json) and the reviewers' own.
    appliesTo: ['truck', 'muck truck', 'dump truck', 'muck_truck'],
    types: ['uncovered_muck_truck'],
    // Single keys that the review page does not use already (1-4 pick the evidence image).
    values: [
      { value: 'covered', key: 'v', name: '已覆盖 covered' },
      { value: 'uncovered', key: 'o', name: '未覆盖 uncovered (open)' },
      { value: 'empty_bed', key: 'e', name: '空车厢 empty bed' },
    ],
  },
  // Zone-state snapshots (watch zones, pipeline/background/zone-state.ts): the state a reviewer sees
  // in a 暴露垃圾 case from a fixed camera, the tree `npm run train -- classifier` learns zoneState from.
  zoneState: {
    appliesTo: ['unidentified object left behind', 'garbage (zone state)'],
    types: ['exposed_garbage'],
    values: [
      { value: 'clean', key: 'w', name: '干净 clean' },
      { value: 'garbage', key: 'g', name: '有垃圾 garbage' },
    ],
  },
};

export interface LabelResult {
  caseId: number;
  attribute: string;
  value: string;
  previous: string | null;
  auditId: number;
}

/** Sets (or changes) one attribute label of a case, audited. Refusals name the attribute, value or case. */
export async function labelCase(tx: Queryable, caseId: number, attribute: string, value: string, actor: Actor, now: Date): Promise<LabelResult> {
  // Own keys only: "__proto__" or "constructor" is an unknown attribute, not Object's own.
  const vocabulary = Object.hasOwn(ATTRIBUTE_LABELS, attribute) ? ATTRIBUTE_LABELS[attribute] : undefined;
  if (!vocabulary) {
    throw new CaseRefusal(400, 'bad_request', `unknown attribute "${attribute}" (known: ${Object.keys(ATTRIBUTE_LABELS).join(', ')})`);
  }
  if (!vocabulary.values.some((v) => v.value === value)) {
    throw new CaseRefusal(400, 'bad_request', `"${value}" is not a value of ${attribute} (one of ${vocabulary.values.map((v) => v.value).join(', ')})`);
  }
  const [row] = await tx.query<{ status: CaseStatus; type: string; label: string | null }>('SELECT status, type, label FROM cases WHERE id = $1 FOR UPDATE', [caseId]);
  if (!row) throw new CaseRefusal(404, 'not_found', `case ${caseId} does not exist`);
  if (!vocabulary.types.includes(row.type) && !(row.label && vocabulary.appliesTo.includes(row.label))) {
    throw new CaseRefusal(
      422,
      'not_applicable',
      `case ${caseId} is a ${row.label ? `"${row.label}"` : 'unlabelled'} ${row.type} sighting; ${attribute} applies to ${vocabulary.appliesTo.join(', ')}`,
    );
  }
  const [before] = await tx.query<{ value: string }>('SELECT value FROM case_labels WHERE case_id = $1 AND attribute = $2', [caseId, attribute]);
  await tx.query(
    `INSERT INTO case_labels (case_id, attribute, value, actor, at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (case_id, attribute) DO UPDATE SET value = EXCLUDED.value, actor = EXCLUDED.actor, at = EXCLUDED.at`,
    [caseId, attribute, value, actor.name, now],
  );
  const auditId = await appendAudit(tx, caseId, now, actor, 'label', row.status, row.status, `${attribute}: ${value}`, {
    attribute,
    value,
    previous: before?.value ?? null,
  });
  return { caseId, attribute, value, previous: before?.value ?? null, auditId };
}
