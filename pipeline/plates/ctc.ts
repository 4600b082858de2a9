// Greedy CTC decoding of a text recogniser's output: per time step the most likely class, repeats
// collapsed, blanks dropped. PaddleOCR's recognisers put the blank at class 0, the dictionary's
// characters at 1..n, and (use_space_char) a space at n + 1.

export interface DecodedChar {
  char: string;
  /** The softmax probability of this character at the step it was emitted. */
  prob: number;
}

/** Class index → character for a PaddleOCR recogniser, from its dictionary file's text. */
export function paddleCharset(dictionaryText: string): string[] {
  const chars = dictionaryText.split(/\r?\n/);
  // The file ends with a newline, which is not a character.
  if (chars.at(-1) === '') chars.pop();
  return ['', ...chars, ' '];
}

/**
 * `probs` is [steps, classes] row-major, already softmaxed (PaddleOCR exports end in a softmax).
 * Class 0 is the blank.
 */
export function ctcGreedy(probs: Float32Array, steps: number, classes: number, charset: readonly string[]): DecodedChar[] {
  if (charset.length !== classes) {
    throw new RangeError(`recogniser has ${classes} classes but the dictionary gives ${charset.length} (blank + characters + space)`);
  }
  const out: DecodedChar[] = [];
  let previous = -1;
  for (let t = 0; t < steps; t++) {
    const row = t * classes;
    let best = 0;
    let bestProb = probs[row]!;
    for (let c = 1; c < classes; c++) {
      const p = probs[row + c]!;
      if (p > bestProb) {
        bestProb = p;
        best = c;
      }
    }
    if (best !== 0 && best !== previous) out.push({ char: charset[best]!, prob: bestProb });
    previous = best;
  }
  return out;
}
