// The survey worker's two calls to the API (workers never write the database): read a survey's
// settings and zone layers, and report one image's result.
import { UnrecoverableError } from 'bullmq';
import type { SurveyImageResult, SurveyZones } from '../../contracts/survey.ts';
import type { ApiTarget } from '../dispatch/post.ts';
import type { SurveyContext } from './survey-image.ts';

async function call(target: ApiTarget, method: string, path: string, body?: unknown): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(new URL(path, target.url), {
      method,
      headers: { authorization: `Bearer ${target.key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(target.timeoutMs ?? 15_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    throw new Error(`API unreachable at ${target.url}: ${cause ?? (err as Error).message}`);
  }
  const text = await res.text();
  if (res.ok) return text ? JSON.parse(text) : undefined;
  const detail = `${method} ${path} answered ${res.status}: ${text.slice(0, 500)}`;
  // Not there, or a body the API will never take: retrying cannot help.
  if (res.status === 400 || res.status === 404 || res.status === 413) throw new UnrecoverableError(detail);
  throw new Error(detail);
}

export function surveyApi(target: ApiTarget) {
  return {
    async survey(id: string): Promise<SurveyContext> {
      const s = (await call(target, 'GET', `/v1/surveys/${encodeURIComponent(id)}?images=false`)) as {
        id: string; name: string; flownAt: string; flightHeightM?: number; timezone?: string; zones?: SurveyZones;
      };
      return {
        surveyId: String(s.id),
        name: s.name,
        flownAt: new Date(s.flownAt),
        ...(s.flightHeightM !== undefined ? { flightHeightM: s.flightHeightM } : {}),
        timezone: s.timezone ?? 'Asia/Shanghai',
        zones: s.zones ?? {},
      };
    },
    async putResult(id: string, sha256: string, result: SurveyImageResult): Promise<void> {
      await call(target, 'PUT', `/v1/surveys/${encodeURIComponent(id)}/images/${sha256}/result`, result);
    },
  };
}

export type SurveyApi = ReturnType<typeof surveyApi>;
