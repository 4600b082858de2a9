// The file parts of a survey upload, read one at a time, with a broken multipart body (no
// boundary, a boundary that is not the one declared, a body cut short) turned into a refusal that
// says what is wrong, instead of the parser's error escaping as a 500. Files read before the break
// stay uploaded: the route reports them with the refusal.
import type { MultipartFile, Multipart } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';

export class MalformedUpload extends Error {
  override name = 'MalformedUpload';
  constructor(
    readonly status: number,
    readonly problem: string,
  ) {
    super(problem);
  }
}

/** The parser's complaint in words a person sending the upload can act on. */
function describeParserError(err: unknown): MalformedUpload {
  const e = err as { message?: string; statusCode?: number };
  const message = e.message ?? String(err);
  if (/boundary not found/i.test(message)) {
    return new MalformedUpload(400, 'the multipart body has no boundary: send Content-Type: multipart/form-data; boundary=<the boundary the parts are separated by>');
  }
  if (/unexpected end of (form|multipart data)/i.test(message)) {
    return new MalformedUpload(400, 'the multipart body ends before its closing boundary: it was cut short, or its parts are not separated by the boundary the Content-Type names');
  }
  // The multipart plugin's own refusals (too many files or fields) carry their status.
  if (e.statusCode === 413) return new MalformedUpload(413, `the upload has too many parts (${message}): at most 1000 files and 20 other fields per request`);
  const status = typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500 ? e.statusCode : 400;
  return new MalformedUpload(status, `the multipart body is malformed: ${message}`);
}

/** Each file part with its bytes; non-file parts are skipped. Throws MalformedUpload when the body breaks. */
export async function* fileParts(request: FastifyRequest): AsyncGenerator<{ part: MultipartFile; bytes: Buffer }> {
  let parts: AsyncIterator<Multipart>;
  try {
    parts = request.parts()[Symbol.asyncIterator]();
  } catch (err) {
    throw describeParserError(err);
  }
  for (;;) {
    let step: IteratorResult<Multipart>;
    try {
      step = await parts.next();
    } catch (err) {
      throw describeParserError(err);
    }
    if (step.done) return;
    const part = step.value;
    if (part.type !== 'file') continue;
    let bytes: Buffer;
    try {
      bytes = await part.toBuffer();
    } catch (err) {
      throw describeParserError(err);
    }
    yield { part, bytes };
  }
}
