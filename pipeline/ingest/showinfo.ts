// Reads ffmpeg's showinfo lines: one per frame delivered on stdout, in the same order.
export interface FrameInfo {
  /** Stream time of the frame in seconds (RTSP: since the stream's start as ffmpeg sees it). */
  ptsTime: number;
  width: number;
  height: number;
  keyframe: boolean;
}

const LINE = /Parsed_showinfo.*?\bn:\s*\d+\s+pts:\s*-?\d+\s+pts_time:\s*(-?[\d.]+(?:e[-+]?\d+)?)\s.*?\bs:(\d+)x(\d+).*?\biskey:(\d)/;

export function parseShowinfo(line: string): FrameInfo | undefined {
  const m = LINE.exec(line);
  if (!m) return undefined;
  return { ptsTime: Number(m[1]), width: Number(m[2]), height: Number(m[3]), keyframe: m[4] === '1' };
}
