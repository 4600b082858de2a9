// Finds the next key frame in an H.264 Annex B byte stream, as it arrives in chunks: the access
// unit from its SPS (ffmpeg's dump_extra puts SPS and PPS before every key frame) through its IDR
// slices, ending where the next picture or parameter set begins. That alone decodes into a picture.

const NAL_IDR = 5;
const NAL_SPS = 7;
const NAL_AUD = 9;
const NAL_SLICE = 1;

/** Fed chunks after a pass asks for a frame; returns the key frame's bytes once complete. */
export class KeyframeCollector {
  private buffer: Buffer = Buffer.alloc(0);

  /** The complete access unit (Annex B, start codes included), or undefined while it is not. */
  push(chunk: Buffer): Buffer | undefined {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const starts = startCodes(this.buffer);
    // Drop what comes before the first SPS: a key frame is only decodable from its parameter sets.
    const first = starts.findIndex((s) => nalType(this.buffer, s) === NAL_SPS);
    if (first < 0) {
      // Keep the tail: a start code may straddle two chunks.
      this.buffer = this.buffer.subarray(Math.max(0, this.buffer.length - 4));
      return undefined;
    }
    let sawIdr = false;
    for (let i = first + 1; i < starts.length; i++) {
      const type = nalType(this.buffer, starts[i]!);
      if (type === NAL_IDR) sawIdr = true;
      else if (sawIdr && (type === NAL_SLICE || type === NAL_AUD || type === NAL_SPS)) {
        const unit = Buffer.from(this.buffer.subarray(starts[first]!.at, starts[i]!.at));
        this.buffer = Buffer.alloc(0);
        return unit;
      }
    }
    this.buffer = this.buffer.subarray(starts[first]!.at);
    return undefined;
  }

  reset(): void {
    this.buffer = Buffer.alloc(0);
  }
}

interface StartCode {
  /** Where the start code begins (its leading zero, 3- or 4-byte form). */
  at: number;
  /** The NAL header byte after it. */
  header: number;
}

function startCodes(b: Buffer): StartCode[] {
  const out: StartCode[] = [];
  for (let i = 0; i + 3 < b.length; i++) {
    if (b[i] === 0 && b[i + 1] === 0 && b[i + 2] === 1) {
      out.push({ at: i > 0 && b[i - 1] === 0 ? i - 1 : i, header: i + 3 });
      i += 2;
    }
  }
  return out;
}

function nalType(b: Buffer, s: StartCode): number {
  return b[s.header]! & 0x1f;
}
