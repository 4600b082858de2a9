// Structured logs (pino, JSON lines on stderr) for workers and the API. Components log with their
// ids bound (camera, survey, case) so an operator can follow one of them through the system.
import pino, { type Logger } from 'pino';
import { scrubbingLogOptions } from './log-scrub.ts';

export type { Logger };

/** `destination`: where the JSON lines go (default stderr), e.g. pino.destination({ dest: file }). */
export function createLogger(component: string, bindings: Record<string, unknown> = {}, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level: process.env.LOG_LEVEL ?? 'info',
      ...scrubbingLogOptions,
      base: { component, ...bindings },
      // Belt and braces: the code never logs these, but a future field with such a name must not leak.
      redact: { paths: ['password', '*.password', 'apiKey', '*.apiKey', 'authorization', '*.authorization', 'headers.authorization'], censor: '[redacted]' },
    },
    destination ?? pino.destination(2),
  );
}
