import { encode } from 'uqr';

/** The dark modules of a QR code as one SVG path (one `h1v1h-1z` square each), with its size in modules. */
export function qrPath(text: string): { size: number; path: string } {
  const { data, size } = encode(text, { ecc: 'L', border: 2 });
  const parts: string[] = [];
  for (let y = 0; y < size; y += 1) {
    const row = data[y]!;
    for (let x = 0; x < size; x += 1) if (row[x]) parts.push(`M${x} ${y}h1v1h-1z`);
  }
  return { size, path: parts.join('') };
}
