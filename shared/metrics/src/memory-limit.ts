import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import type { Gauge, Registry } from 'prom-client';
import { probeGauge } from './registry';

/** cgroup v2 and v1 files holding a container's memory limit. */
const CGROUP_LIMIT_FILES = ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes'];

/**
 * The memory this process may use: its cgroup limit (container, systemd `MemoryMax=`) when one is
 * set, else the machine's RAM. Read on every scrape; the denominator of the memory alert.
 */
export function memoryLimitBytes(): number {
  const total = totalmem();
  for (const file of CGROUP_LIMIT_FILES) {
    try {
      const raw = readFileSync(file, 'utf8').trim();
      if (/^\d+$/.test(raw)) return Math.min(Number(raw), total);
    } catch {
      // no such cgroup file: try the next one
    }
  }
  return total;
}

/** Registers `fleet_memory_limit_bytes` (see memoryLimitBytes) on a service's registry. */
export function registerMemoryLimit(registry: Registry): Gauge {
  return probeGauge(
    registry,
    'fleet_memory_limit_bytes',
    'Memory this process may use: its cgroup limit, else the machine RAM (denominator of the memory alert)',
    memoryLimitBytes,
  );
}
