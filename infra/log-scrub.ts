// The last gate before a log line is written, for every logger of the product (API and workers):
// whatever fails, no line carries a credential or the values a failed statement was given.
// - Errors keep what says what went wrong (type, message, code, stack, cause) and lose what
//   carries data: the database drivers attach the statement and its parameters (pg, PGlite:
//   `query`, `params`, `detail` "Failing row contains (…)", `where` "JSON data, line 1: …"),
//   ioredis the command's arguments.
// - Every string left anywhere in the line has credential-bearing URLs masked.
import pino from 'pino';
import { redactText } from './redact.ts';

/** Error properties that carry a statement's or a command's data. */
const DATA_KEYS = new Set(['params', 'parameters', 'query', 'detail', 'where', 'internalQuery', 'args', 'command', 'values', 'sql', 'bindings']);
const MAX_DEPTH = 8;

/** pino's shape of a logged error. */
export interface LoggedError {
  [key: string]: unknown;
  type: string;
  message: string;
  stack: string;
}

/** An error as a log line shows it: pino's err shape, without data-carrying fields, credentials masked. */
export function serializeErrorForLog(err: Error): LoggedError;
export function serializeErrorForLog(err: unknown): unknown;
export function serializeErrorForLog(err: unknown): unknown {
  if (!(err instanceof Error)) return scrubForLog(err);
  // Spread: pino's shape has its own prototype, which scrub() would leave alone as a class instance.
  return scrub({ ...pino.stdSerializers.err(err) }, 0, new WeakSet(), true);
}

/** Any value with credential-bearing URLs masked in all its strings (and errors serialised as above). */
export function scrubForLog(value: unknown): unknown {
  return scrub(value, 0, new WeakSet(), false);
}

/** pino options that put every line of a logger through this gate: fields, errors and the message. */
export const scrubbingLogOptions = {
  formatters: { log: (object: Record<string, unknown>) => scrubForLog(object) as Record<string, unknown> },
  serializers: { err: serializeErrorForLog, error: serializeErrorForLog },
  hooks: {
    logMethod(this: pino.Logger, args: Parameters<pino.LogFn>, method: pino.LogFn) {
      const masked = args.map((a) => (typeof a === 'string' ? redactText(a) : a)) as Parameters<pino.LogFn>;
      return method.apply(this, masked);
    },
  },
};

function scrub(value: unknown, depth: number, seen: WeakSet<object>, inError: boolean): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return serializeErrorForLog(value);
  if (seen.has(value) || depth > MAX_DEPTH) return '[not logged]';
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  // Class instances (a fastify request, a Date) are left to pino's serializers, which run after this.
  const proto = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return value;
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1, seen, inError));
  const out: Record<string, unknown> = {};
  // Within an error everything below is the error's too (a cause, a driver's `meta`).
  const isError = inError || ('stack' in value && 'message' in value);
  for (const [k, v] of Object.entries(value)) {
    if (isError && DATA_KEYS.has(k)) continue;
    out[k] = scrub(v, depth + 1, seen, isError);
  }
  return out;
}
