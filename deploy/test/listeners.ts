import { readdir, readFile, readlink } from 'node:fs/promises';

export interface Listener {
  readonly address: string;
  readonly port: number;
}

/** The IPv4 address of /proc/net/tcp's hex (`0100007F` = 127.0.0.1: one little-endian word). */
function ipv4(hex: string): string {
  return [6, 4, 2, 0].map((at) => parseInt(hex.slice(at, at + 2), 16)).join('.');
}

/** The IPv6 address of /proc/net/tcp6's hex (four little-endian words), in full, or its IPv4 when mapped. */
function ipv6(hex: string): string {
  const bytes = [0, 8, 16, 24].flatMap((word) => [6, 4, 2, 0].map((at) => parseInt(hex.slice(word + at, word + at + 2), 16)));
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return `::ffff:${bytes.slice(12).join('.')}`;
  const groups = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  const text = groups.join(':');
  return text === '0:0:0:0:0:0:0:0' ? '::' : text;
}

/**
 * Every TCP socket process `pid` has listening, read from Linux's /proc: its descriptors name socket
 * inodes, and /proc/net/tcp{,6} give each inode's state and local address (state 0A = LISTEN).
 */
export async function listenersOf(pid: number): Promise<Listener[]> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const match = /^socket:\[(\d+)\]$/.exec(target);
    if (match) inodes.add(match[1]!);
  }
  const listeners: Listener[] = [];
  for (const [file, decode] of [
    ['tcp', ipv4],
    ['tcp6', ipv6],
  ] as const) {
    const text = await readFile(`/proc/${pid}/net/${file}`, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [local, state, inode] = [fields[1], fields[3], fields[9]];
      if (!local || state !== '0A' || !inode || !inodes.has(inode)) continue;
      const [address, port] = local.split(':');
      listeners.push({ address: decode(address!), port: parseInt(port!, 16) });
    }
  }
  return listeners;
}
