/**
 * The text of a session directory's `.epoch` fence: `<epoch> <owner> <incarnation>\n`, the run that
 * claimed the directory under that epoch. Older fences, and those written by a restore or by an open
 * that raised them, hold the number alone (`<epoch>\n`); both read the same, and a reader that only
 * parses the leading integer (older workers, the backup) still reads the right epoch.
 *
 * Why the holder: a Redis failover can lose the increment that handed out an epoch, so the same
 * number can be handed out twice. Whoever claims a directory writes its holder and reads it back, so
 * a second run under a number already on disk sees it and takes a higher one (see `claimFence`).
 */
export interface Fence {
  readonly epoch: number;
  /** `<owner> <incarnation>` of the run that claimed it; undefined for a bare number. */
  readonly holder: string | undefined;
}

export function parseFence(text: string): Fence | undefined {
  const [first, ...rest] = text.trim().split(/\s+/);
  const epoch = Number(first);
  if (!first || !/^\d+$/.test(first) || !Number.isSafeInteger(epoch)) return undefined;
  return { epoch, holder: rest.length > 0 ? rest.join(' ') : undefined };
}

export function formatFence(epoch: number, holder?: string): string {
  return holder === undefined ? `${epoch}\n` : `${epoch} ${holder}\n`;
}

/** The holder text of a lease holder: its instance id and incarnation (neither holds whitespace). */
export function fenceHolder(holder: { readonly instanceId: string; readonly incarnation: string }): string {
  const text = `${holder.instanceId} ${holder.incarnation}`;
  if (/[\s]/.test(holder.instanceId) || /[\s]/.test(holder.incarnation)) throw new RangeError(`fence holder has whitespace: "${text}"`);
  return text;
}
