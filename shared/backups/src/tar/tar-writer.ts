/** Size of a tar header and the unit entry contents are padded to. */
const BLOCK = 512;
const NAME = { offset: 0, length: 100 };
const SIZE = { offset: 124, length: 12 };
const CHECKSUM = { offset: 148, length: 8 };
const PREFIX = { offset: 345, length: 155 };

/** The end-of-archive marker: two zero blocks. */
export const END_OF_ARCHIVE: Buffer = Buffer.alloc(2 * BLOCK);

export interface TarFile {
  readonly name: string;
  readonly data: Buffer;
  /** Permission bits, e.g. 0o600. */
  readonly mode: number;
  /** Modification time, seconds since the epoch. */
  readonly mtime: number;
}

interface Entry {
  readonly name: string;
  readonly prefix: string;
  readonly data: Buffer;
  readonly mode: number;
  readonly mtime: number;
  readonly type: '0' | 'x';
}

/**
 * Regular files as POSIX ustar entries, in one buffer: per file a header, the content and zero
 * padding to the next block. A path that does not fit the ustar `prefix`/`name` fields gets a pax
 * header carrying it first. `TarReader` (and any tar) reads it back. Headers are stamped from a
 * template per mode and time, which keeps 100,000 entries cheap.
 */
export function packFiles(files: readonly TarFile[]): Buffer {
  const entries: Entry[] = [];
  let size = 0;
  for (const file of files) {
    const split = splitUstarPath(file.name);
    if (!split) {
      const pax = paxPathRecord(file.name);
      entries.push({ name: 'PaxHeader', prefix: '', data: pax, mode: 0o644, mtime: file.mtime, type: 'x' });
      size += BLOCK + padded(pax.length);
    }
    entries.push({ ...(split ?? { name: 'PaxPath', prefix: '' }), data: file.data, mode: file.mode, mtime: file.mtime, type: '0' });
    size += BLOCK + padded(file.data.length);
  }
  const out = Buffer.allocUnsafe(size);
  let offset = 0;
  for (const entry of entries) {
    writeHeader(out, offset, entry);
    offset += BLOCK;
    entry.data.copy(out, offset);
    out.fill(0, offset + entry.data.length, offset + padded(entry.data.length));
    offset += padded(entry.data.length);
  }
  return out;
}

function padded(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

/** Splits an ASCII path at a `/` so the tail fits the 100-byte `name` field and the head the 155-byte `prefix`. */
function splitUstarPath(path: string): { name: string; prefix: string } | undefined {
  // eslint-disable-next-line no-control-regex
  if (!/^[\x01-\x7f]*$/.test(path)) return undefined;
  if (path.length <= NAME.length) return { name: path, prefix: '' };
  for (let i = path.indexOf('/'); i !== -1 && i <= PREFIX.length; i = path.indexOf('/', i + 1)) {
    if (i > 0 && path.length - i - 1 <= NAME.length) return { name: path.slice(i + 1), prefix: path.slice(0, i) };
  }
  return undefined;
}

/** A pax record `<length> path=<path>\n`, whose length counts its own digits. */
function paxPathRecord(path: string): Buffer {
  const body = ` path=${path}\n`;
  const bodyLength = Buffer.byteLength(body);
  let length = bodyLength + 1;
  while (String(length).length + bodyLength !== length) length = String(length).length + bodyLength;
  return Buffer.from(`${length}${body}`);
}

/** Header blocks with mode, owner, time, type and magic filled in and the checksum field as spaces, with their byte sum. */
const templates = new Map<string, { block: Buffer; sum: number }>();

function template(mode: number, mtime: number, type: string): { block: Buffer; sum: number } {
  const key = `${mode}:${mtime}:${type}`;
  let found = templates.get(key);
  if (!found) {
    const block = Buffer.alloc(BLOCK);
    writeOctal(block, 100, 8, mode & 0o7777);
    writeOctal(block, 108, 8, 0);
    writeOctal(block, 116, 8, 0);
    writeOctal(block, 136, 12, Math.max(0, Math.floor(mtime)));
    block.write(type, 156, 'latin1');
    block.write('ustar\u000000', 257, 'latin1');
    block.fill(0x20, CHECKSUM.offset, CHECKSUM.offset + CHECKSUM.length);
    let sum = 0;
    for (let i = 0; i < BLOCK; i += 1) sum += block[i]!;
    found = { block, sum };
    if (templates.size > 64) templates.clear();
    templates.set(key, found);
  }
  return found;
}

function writeHeader(out: Buffer, offset: number, entry: Entry): void {
  const { block, sum: templateSum } = template(entry.mode, entry.mtime, entry.type);
  block.copy(out, offset);
  out.write(entry.name, offset + NAME.offset, 'latin1');
  out.write(entry.prefix, offset + PREFIX.offset, 'latin1');
  let sum = templateSum + asciiSum(entry.name) + asciiSum(entry.prefix);
  sum += writeOctal(out, offset + SIZE.offset, SIZE.length, entry.data.length);
  // Six digits, NUL, space: the customary form of the checksum field.
  writeOctal(out, offset + CHECKSUM.offset, 7, sum);
  out[offset + CHECKSUM.offset + 7] = 0x20;
}

function asciiSum(text: string): number {
  let sum = 0;
  for (let i = 0; i < text.length; i += 1) sum += text.charCodeAt(i);
  return sum;
}

/** Zero-padded octal digits filling the field but its last byte (NUL); returns the digits' byte sum. */
function writeOctal(block: Buffer, offset: number, length: number, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0 || value >= 8 ** (length - 1)) throw new RangeError(`${value} does not fit a ${length}-byte tar field`);
  let sum = 0;
  let rest = value;
  for (let i = length - 2; i >= 0; i -= 1) {
    const digit = 0x30 + (rest % 8);
    block[offset + i] = digit;
    sum += digit;
    rest = Math.floor(rest / 8);
  }
  block[offset + length - 1] = 0;
  return sum;
}
