import { createBackupMetrics } from '@fleet/backup';
import { createDispatcherMetrics } from '@fleet/dispatcher';
import { createIngressMetrics } from '@fleet/ingress';
import { createWorkerMetrics } from '@fleet/worker';
import { familiesOf } from './fleet-harness';

/** PromQL words that look like metric names: keywords and modifiers (functions are followed by `(`). */
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);
/** Series Prometheus makes itself. */
const SYNTHETIC = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped']);
const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'];

/**
 * Metric names a PromQL expression reads: strings, label matchers, range/offset durations, grouping
 * clauses and Grafana variables are removed; what remains that is an identifier not followed by `(`
 * and not a keyword is a metric name.
 */
export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\w+/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/([A-Za-z_:][A-Za-z0-9_:]*)(\s*\()?/g)) {
    const [, word, call] = match;
    if (call || KEYWORDS.has(word!.toLowerCase())) continue;
    if (/^\d/.test(word!)) continue;
    names.add(word!);
  }
  return [...names].sort();
}

/** Every metric family some Fleet service registers on the registry it serves on /metrics. */
export async function exportedFamilies(): Promise<Set<string>> {
  const registries = [
    createIngressMetrics().registry,
    createWorkerMetrics('instance-x').registry,
    createDispatcherMetrics().registry,
    createBackupMetrics('backup-x').registry,
  ];
  const families = new Set<string>(SYNTHETIC);
  for (const registry of registries) for (const name of familiesOf(await registry.metrics())) families.add(name);
  return families;
}

/** Whether a name used in PromQL is an exported family (a histogram's _bucket/_sum/_count included). */
export function isExported(name: string, families: Set<string>): boolean {
  if (families.has(name)) return true;
  return HISTOGRAM_SUFFIXES.some((suffix) => name.endsWith(suffix) && families.has(name.slice(0, -suffix.length)));
}
