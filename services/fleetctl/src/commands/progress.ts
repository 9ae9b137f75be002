/** Progress lines on stderr, at most one a second unless `force` (a phase change or the end). */
export function progressWriter(err: NodeJS.WritableStream, intervalMs = 1000): (line: string, force?: boolean) => void {
  let last = 0;
  let lastLine = '';
  return (line, force = false) => {
    const now = Date.now();
    if (line === lastLine || (!force && now - last < intervalMs)) return;
    last = now;
    lastLine = line;
    err.write(`${line}\n`);
  };
}
