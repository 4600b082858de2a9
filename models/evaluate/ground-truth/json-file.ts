// JSON label files with errors that point at a line: a parse error's position, or the line where a
// named element (e.g. "annotations[3]") starts.
import { LabelFileError } from '../types.ts';

export function parseJsonFile(text: string, file: string): { value: unknown; lineOf: (path: string) => number | undefined } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message);
    const line = position ? text.slice(0, Number(position[1])).split('\n').length : undefined;
    throw new LabelFileError(file, line, `not valid JSON (${message})`);
  }
  return { value, lineOf: (p) => lineOfElement(text, p) };
}

/**
 * The line where `key[index]` begins, found by walking the text: enough for the flat arrays label
 * files have, without a position-tracking parser.
 */
function lineOfElement(text: string, elementPath: string): number | undefined {
  const m = /^(\w+)\[(\d+)\]$/.exec(elementPath);
  if (!m) return undefined;
  const keyAt = text.indexOf(`"${m[1]}"`);
  if (keyAt < 0) return undefined;
  let i = text.indexOf('[', keyAt) + 1;
  let depth = 0;
  let element = 0;
  let inString = false;
  let started = false;
  for (; i > 0 && i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    if (!started && !/\s/.test(c) && depth === 0 && c !== ',') {
      if (element === Number(m[2])) return text.slice(0, i).split('\n').length;
      started = true;
    }
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      if (depth === 0) return undefined;
      depth--;
    } else if (c === ',' && depth === 0) {
      element++;
      started = false;
    }
  }
  return undefined;
}
