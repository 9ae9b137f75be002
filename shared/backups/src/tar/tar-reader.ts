/** Size of a tar header and the unit entry contents are padded to. */
const BLOCK = 512;
/** A pax extended header holds a few records (a long path); anything bigger is not ours. */
const MAX_PAX_BYTES = 64 * 1024;
const USTAR_MAGIC = 'ustar\u0000';

export type TarEntryType = 'file' | 'link' | 'symlink' | 'character-device' | 'block-device' | 'directory' | 'fifo' | 'pax-global-header' | 'other';

export interface TarEntryHeader {
  readonly name: string;
  readonly size: number;
  readonly type: TarEntryType;
}

export interface TarReaderHandlers {
  /** Called for each entry; returns whether to receive its content (false skips it). Throwing stops the read. */
  entry(header: TarEntryHeader): boolean;
  /** The whole content of an entry `entry` asked for, in a buffer of its own. */
  content(header: TarEntryHeader, data: Buffer): void;
}

/** The bytes are not a POSIX ustar archive, or it is cut short. */
export class TarFormatError extends Error {
  override readonly name = 'TarFormatError';
}

const TYPES: Record<string, TarEntryType> = {
  '0': 'file',
  '\u0000': 'file',
  '1': 'link',
  '2': 'symlink',
  '3': 'character-device',
  '4': 'block-device',
  '5': 'directory',
  '6': 'fifo',
  g: 'pax-global-header',
};

/**
 * A synchronous, streaming reader of the archives the snapshotter writes: POSIX ustar headers
 * (name split over `prefix` and `name`), pax `x` headers for long paths, two zero blocks at the
 * end. Every header's checksum is verified. Feed it the uncompressed bytes with `write` in chunks
 * of any size, then call `end`; entries reach the handlers in archive order. It parses one small
 * buffer at a time without a stream object per entry, which is what makes 100,000 entries cheap.
 */
export class TarReader {
  private readonly header = Buffer.alloc(BLOCK);
  private headerFill = 0;
  private current: { header: TarEntryHeader; data: Buffer; filled: number; pax: boolean } | undefined;
  /** Bytes to pass over: skipped content and the padding after an entry. */
  private skip = 0;
  private pax: { path?: string; size?: number } | undefined;
  private zeroBlocks = 0;

  constructor(private readonly handlers: TarReaderHandlers) {}

  write(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.current) offset = this.fillContent(chunk, offset);
      else if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - offset);
        this.skip -= n;
        offset += n;
      } else if (this.headerFill === 0 && chunk.length - offset >= BLOCK) {
        this.onHeader(chunk.subarray(offset, offset + BLOCK));
        offset += BLOCK;
      } else {
        const n = Math.min(BLOCK - this.headerFill, chunk.length - offset);
        chunk.copy(this.header, this.headerFill, offset, offset + n);
        this.headerFill += n;
        offset += n;
        if (this.headerFill === BLOCK) {
          this.headerFill = 0;
          this.onHeader(this.header);
        }
      }
    }
  }

  /** Checks the archive ended where it should: after a whole entry and the end-of-archive marker. */
  end(): void {
    if (this.current || this.skip > 0 || this.headerFill > 0) throw new TarFormatError('the archive ends inside an entry (truncated)');
    if (this.zeroBlocks < 2) throw new TarFormatError('the archive has no end-of-archive marker (truncated)');
  }

  private onHeader(block: Buffer): void {
    if (isZero(block)) {
      if (this.pax) throw new TarFormatError('a pax header is followed by the end of the archive');
      this.zeroBlocks += 1;
      return;
    }
    if (this.zeroBlocks > 0) throw new TarFormatError('data after the end-of-archive marker');
    if (readOctal(block, 148, 8) !== checksum(block)) throw new TarFormatError('a tar header checksum does not match');
    if (block.toString('latin1', 257, 263) !== USTAR_MAGIC) throw new TarFormatError('not a POSIX ustar archive');
    const flag = String.fromCharCode(block[156]!);
    const pax = this.pax;
    this.pax = undefined;
    const size = pax?.size ?? readOctal(block, 124, 12);
    if (flag === 'x') return this.begin({ name: 'PaxHeader', size, type: 'other' }, true);
    const prefix = readString(block, 345, 155);
    const name = pax?.path ?? (prefix ? `${prefix}/${readString(block, 0, 100)}` : readString(block, 0, 100));
    this.begin({ name, size, type: TYPES[flag] ?? 'other' }, false);
  }

  private begin(header: TarEntryHeader, pax: boolean): void {
    const padding = (BLOCK - (header.size % BLOCK)) % BLOCK;
    if (pax && header.size > MAX_PAX_BYTES) throw new TarFormatError('a pax header is too large');
    if (!pax && !this.handlers.entry(header)) {
      this.skip = header.size + padding;
      return;
    }
    this.skip = padding;
    this.current = { header, data: Buffer.allocUnsafe(header.size), filled: 0, pax };
    if (header.size === 0) this.finish();
  }

  private fillContent(chunk: Buffer, offset: number): number {
    const current = this.current!;
    const n = Math.min(current.data.length - current.filled, chunk.length - offset);
    chunk.copy(current.data, current.filled, offset, offset + n);
    current.filled += n;
    if (current.filled === current.data.length) this.finish();
    return offset + n;
  }

  private finish(): void {
    const { header, data, pax } = this.current!;
    this.current = undefined;
    if (pax) this.pax = parsePax(data);
    else this.handlers.content(header, data);
  }
}

function isZero(block: Buffer): boolean {
  for (let i = 0; i < BLOCK; i += 1) if (block[i] !== 0) return false;
  return true;
}

/** Unsigned sum of the header bytes with the checksum field counted as eight spaces. */
function checksum(block: Buffer): number {
  let sum = 8 * 0x20;
  for (let i = 0; i < BLOCK; i += 1) if (i < 148 || i >= 156) sum += block[i]!;
  return sum;
}

/** An octal number field (leading spaces, digits, then NUL or space); base-256 sizes are refused. */
function readOctal(block: Buffer, offset: number, length: number): number {
  let i = offset;
  const end = offset + length;
  while (i < end && block[i] === 0x20) i += 1;
  let value = 0;
  for (; i < end && block[i] !== 0 && block[i] !== 0x20; i += 1) {
    const digit = block[i]! - 0x30;
    if (digit < 0 || digit > 7) throw new TarFormatError('a tar header number is not octal');
    value = value * 8 + digit;
  }
  return value;
}

function readString(block: Buffer, offset: number, length: number): string {
  const nul = block.indexOf(0, offset);
  return block.toString('utf8', offset, nul === -1 ? offset + length : Math.min(nul, offset + length));
}

/** Records `<length> <key>=<value>\n`; `path` and `size` apply to the next entry, others are ignored. */
function parsePax(data: Buffer): { path?: string; size?: number } {
  const result: { path?: string; size?: number } = {};
  let offset = 0;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    const length = space === -1 ? NaN : Number(data.toString('latin1', offset, space));
    if (!Number.isSafeInteger(length) || length <= space - offset + 1 || offset + length > data.length || data[offset + length - 1] !== 0x0a) {
      throw new TarFormatError('a pax record is malformed');
    }
    const record = data.toString('utf8', space + 1, offset + length - 1);
    const equals = record.indexOf('=');
    if (equals <= 0) throw new TarFormatError('a pax record is malformed');
    const key = record.slice(0, equals);
    const value = record.slice(equals + 1);
    if (key === 'path') result.path = value;
    if (key === 'size') {
      if (!/^\d{1,15}$/.test(value)) throw new TarFormatError('a pax size is not a number');
      result.size = Number(value);
    }
    offset += length;
  }
  return result;
}
