/**
 * Delay before attempt `attempts + 1`: base · 2^(attempts − 1), capped, with "equal jitter" (a
 * random half of the delay), so receivers coming back are not hit by every dispatcher at once.
 */
export function retryDelay(attempts: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(attempts - 1, 0), 40));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}
