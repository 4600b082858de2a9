// Evidence is checked by content when a case comes in: every item must be in the object store and
// be one of the raster types the product makes, as its bytes show, and declare that same type.
// Refusing here names the item; the evidence route still sniffs again before serving (objects
// stored before this check, or written around the API).
import type { EvidenceItem } from '../../contracts/case.ts';
import type { ObjectStore } from '../../infra/object-store.ts';
import { allowedMediaType, describeContent, EVIDENCE_MEDIA_TYPES } from './media-type.ts';

export interface EvidenceRefusal {
  status: 415 | 422;
  error: 'evidence_missing' | 'evidence_type_refused';
  message: string;
  field: string;
}

export async function checkEvidenceContent(objects: ObjectStore, items: readonly EvidenceItem[]): Promise<EvidenceRefusal | undefined> {
  for (const [i, e] of items.entries()) {
    const bytes = await objects.get(e.key);
    if (!bytes) {
      return { status: 422, error: 'evidence_missing', message: `evidence ${e.key} is not in the object store; upload it before posting the case`, field: `evidence.${i}.key` };
    }
    const item = `body.evidence.${i} (${e.kind}, ${e.sha256})`;
    const type = allowedMediaType(bytes, EVIDENCE_MEDIA_TYPES);
    if (!type) {
      return { status: 415, error: 'evidence_type_refused', message: `${item} is ${describeContent(bytes)}, not JPEG, PNG, WebP or MP4 (checked by content)`, field: `evidence.${i}.contentType` };
    }
    if (type !== e.contentType) {
      return { status: 415, error: 'evidence_type_refused', message: `${item} declares ${e.contentType} but its bytes are ${type}`, field: `evidence.${i}.contentType` };
    }
  }
  return undefined;
}
