// Cuts ffmpeg's raw RGB byte stream into frames, using the size each showinfo line announces.
// stdout and stderr are separate pipes, so bytes and infos arrive in either order; each frame is
// emitted once both its info and all its bytes are in.
import type { FrameInfo } from './showinfo.ts';

export class FrameSplitter {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private infos: FrameInfo[] = [];

  constructor(private readonly emit: (info: FrameInfo, pixels: Uint8Array) => void) {}

  pushBytes(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    this.drain();
  }

  pushInfo(info: FrameInfo): void {
    this.infos.push(info);
    this.drain();
  }

  /** Bytes waiting for a frame to complete (a run that ends with some is a cut-off frame). */
  get pendingBytes(): number {
    return this.buffered;
  }

  private drain(): void {
    for (;;) {
      const info = this.infos[0];
      if (!info) return;
      const need = info.width * info.height * 3;
      if (this.buffered < need) return;
      const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
      // A copy, so a frame kept as evidence does not pin the large buffer it was cut from.
      const pixels = new Uint8Array(all.subarray(0, need));
      const rest = all.subarray(need);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
      this.infos.shift();
      this.emit(info, pixels);
    }
  }
}
