// One POST /v1/cases. Decides what a failure means for the job: a body the API calls invalid (400,
// 413) will never be accepted, so retrying is pointless; everything else — API down, restarting,
// overloaded, a key being rotated, evidence not yet visible — is worth another try later.
import { UnrecoverableError } from 'bullmq';
import type { CaseIngestResult, CaseObservation } from '../../contracts/case.ts';

export interface ApiTarget {
  /** Base URL of the dispatch API, e.g. http://127.0.0.1:8080. */
  url: string;
  /** An API key with the ingest role. */
  key: string;
  timeoutMs?: number;
}

export async function postObservation(target: ApiTarget, observation: CaseObservation): Promise<CaseIngestResult> {
  let res: Response;
  try {
    res = await fetch(new URL('/v1/cases', target.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${target.key}` },
      body: JSON.stringify(observation),
      signal: AbortSignal.timeout(target.timeoutMs ?? 10_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    throw new Error(`API unreachable at ${target.url}: ${cause ?? (err as Error).message}`);
  }
  const text = await res.text();
  if (res.ok) return JSON.parse(text) as CaseIngestResult;
  const detail = text.slice(0, 500);
  if (res.status === 400 || res.status === 413) {
    throw new UnrecoverableError(`API refused observation ${observation.observationId} (${res.status}): ${detail}`);
  }
  throw new Error(`API answered ${res.status}: ${detail}`);
}
