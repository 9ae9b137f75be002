/**
 * WhatsApp Web framing on top of WebSocket messages: the client's first frame starts with a short intro
 * (`WA` 6 2, optionally preceded by an `ED` routing header); every frame is a 3-byte big-endian length
 * followed by the payload. One WebSocket message may carry several frames or part of one.
 */
import { FrameError } from '../errors';

const WA_INTRO = Buffer.from([0x57, 0x41, 0x06, 0x02]);
const MAX_FRAME_BYTES = 0xffffff;

export interface DecodedChunk {
  /** the intro bytes (`WA` 6 2) when this chunk carried them, to be mixed into the handshake hash */
  intro?: Buffer;
  frames: Buffer[];
}

export class FrameDecoder {
  private pending: Buffer = Buffer.alloc(0);
  private sawIntro = false;

  push(chunk: Buffer): DecodedChunk {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const result: DecodedChunk = { frames: [] };
    if (!this.sawIntro) {
      const intro = this.takeIntro();
      if (!intro) return result;
      result.intro = intro;
    }
    while (this.pending.length >= 3) {
      const size = (this.pending[0]! << 16) | this.pending.readUInt16BE(1);
      if (this.pending.length < size + 3) break;
      result.frames.push(this.pending.subarray(3, size + 3));
      this.pending = this.pending.subarray(size + 3);
    }
    return result;
  }

  private takeIntro(): Buffer | undefined {
    let offset = 0;
    if (this.pending[0] === 0x45 && this.pending[1] === 0x44) {
      // `ED` 0 1 + 3-byte routing info length + routing info, then the WA intro
      if (this.pending.length < 7) return undefined;
      const routingLength = (this.pending[4]! << 16) | this.pending.readUInt16BE(5);
      offset = 7 + routingLength;
    }
    if (this.pending.length < offset + WA_INTRO.length) return undefined;
    const intro = Buffer.from(this.pending.subarray(offset, offset + WA_INTRO.length));
    if (intro[0] !== 0x57 || intro[1] !== 0x41) {
      throw new FrameError('first frame does not start with the WA intro');
    }
    this.sawIntro = true;
    this.pending = this.pending.subarray(offset + WA_INTRO.length);
    return intro;
  }
}

/** Prefixes a payload with its 3-byte big-endian length. */
export function encodeFrame(payload: Uint8Array): Buffer {
  if (payload.byteLength > MAX_FRAME_BYTES) throw new FrameError(`frame too large: ${payload.byteLength} bytes`);
  const frame = Buffer.allocUnsafe(3 + payload.byteLength);
  frame.writeUInt8(payload.byteLength >> 16, 0);
  frame.writeUInt16BE(payload.byteLength & 0xffff, 1);
  frame.set(payload, 3);
  return frame;
}
