/**
 * A client's file name made safe to store and to send back in Content-Disposition: the last path
 * segment, without control characters, at most 200 characters; undefined when nothing is left.
 */
export function safeFilename(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  const base = name.split(/[/\\]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = base.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  const chars = Array.from(clean);
  const kept = (chars.length > 200 ? chars.slice(0, 200).join('') : clean).trim();
  return kept === '' || kept === '.' || kept === '..' ? undefined : kept;
}
