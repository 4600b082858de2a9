// A pino logger that keeps its lines in memory, so a test can read what an operator would see.
import pino from 'pino';
import type { Logger } from '../../infra/logger.ts';

export function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  return { logger, lines };
}
