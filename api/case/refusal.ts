// A request the case store refuses for a reason the caller can fix: the API's error handler sends
// its status, its code as `error` and its message (api/errors.ts, "status < 500").
export class CaseRefusal extends Error {
  constructor(
    readonly statusCode: 400 | 403 | 404 | 409 | 413 | 415 | 422,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
