/**
 * Reads a bin's settings from the environment once, collecting every bad variable so that the error names
 * them all at once.
 */
export class EnvReader {
  private readonly problems: string[] = [];

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  /** An integer ≥ `min`; `fallback` when unset or empty. */
  int(name: string, fallback: number, min: number): number {
    const raw = this.env[name];
    const value = raw === undefined || raw === '' ? fallback : Number(raw);
    if (!Number.isInteger(value) || value < min) this.problems.push(`${name} must be an integer ≥ ${min}, got "${raw}"`);
    return value;
  }

  /** A number > 0; `fallback` when unset or empty. */
  positive(name: string, fallback: number): number {
    const raw = this.env[name];
    const value = raw === undefined || raw === '' ? fallback : Number(raw);
    if (!Number.isFinite(value) || value <= 0) this.problems.push(`${name} must be a number > 0, got "${raw}"`);
    return value;
  }

  /** A comma-separated list of integers ≥ 1, e.g. "1,2,4". */
  intList(name: string, fallback: readonly number[]): number[] {
    const raw = this.env[name];
    if (raw === undefined || raw === '') return [...fallback];
    const values = raw.split(',').map((part) => Number(part.trim()));
    if (values.length === 0 || values.some((v) => !Number.isInteger(v) || v < 1)) {
      this.problems.push(`${name} must be a comma-separated list of integers ≥ 1, got "${raw}"`);
    }
    return values;
  }

  string(name: string, fallback: string): string {
    const raw = this.env[name];
    return raw === undefined || raw === '' ? fallback : raw;
  }

  /** Throws one error naming every bad variable, if any. */
  check(what: string): void {
    if (this.problems.length > 0) throw new Error(`bad ${what} settings:\n  ${this.problems.join('\n  ')}`);
  }
}
