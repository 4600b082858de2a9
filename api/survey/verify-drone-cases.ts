// After a survey image's result is saved: the handled drone cases it covers are looked at again
// (api/case/survey-verification.ts). A failure here is logged, never the worker's: its result is kept.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SurveyImageResult } from '../../contracts/survey.ts';
import { verifyBySurveyImage } from '../case/survey-verification.ts';
import { getImage } from './store.ts';

export async function verifyDroneCases(app: FastifyInstance, request: FastifyRequest, surveyId: string, sha256: string, result: SurveyImageResult): Promise<void> {
  try {
    const image = await getImage(app.db, surveyId, sha256);
    if (!image) return;
    const moved = await verifyBySurveyImage(app.db, { surveyId, sha256, key: image.key, contentType: image.contentType, bytes: image.bytes, width: image.width, height: image.height }, result, request.actor!, app.clock());
    for (const m of moved) request.log.info({ caseId: m.caseId, to: m.to, survey: surveyId, sha256 }, 'drone case looked at again by a later survey');
  } catch (err) {
    request.log.error({ err, survey: surveyId, sha256 }, 'looking again at drone cases from this image failed; the result is kept');
  }
}
