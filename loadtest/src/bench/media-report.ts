import os from 'node:os';
import { mib, ms, percentile } from './bench-util';
import { fleetCpu, type CpuUse, type MediaBenchResult, type SendsResult } from './media-types';

/** The worker's RSS increase target while the documents are in flight: streamed, not held whole. */
export const RSS_TARGET_BYTES = 100 * 1e6;

const cpuPer = (cpu: CpuUse, count: number): string => {
  const per = (value: number): string => (value / Math.max(1, count)).toFixed(1);
  return `${per(fleetCpu(cpu))} ms (ingress ${per(cpu.ingress)} / worker ${per(cpu.worker)} / Redis ${per(cpu.redis)}); simulator ${per(cpu.simulator)}, S3 server ${per(cpu.s3)}`;
};

const latency = (sends: SendsResult): string =>
  `${ms(percentile(sends.toDelivered, 0.5))} / ${ms(percentile(sends.toDelivered, 0.95))} / ${ms(sends.toDelivered.length ? Math.max(...sends.toDelivered) : Number.NaN)} ms`;

const outcome = (sends: SendsResult): string =>
  `${sends.accepted} accepted, ${sends.toDelivered.length} delivered, ${sends.failed} failed, ${sends.missing} not delivered in time`;

/** The bench's figures as the Markdown table docs/benchmarks.md keeps. */
export function formatMediaBench(result: MediaBenchResult): string {
  const o = result.options;
  const rows: string[] = [];
  if (result.sends) {
    const s = result.sends;
    rows.push(
      `| (a) ${mib(o.imageBytes)} MiB image sends, ${s.count} at ${s.achievedRate.toFixed(1)}/s (target ${o.sendRate}/s) over ${o.sessions} sessions | ${outcome(s)} |`,
      `| (a) send request → delivered (event), p50 / p95 / max | ${latency(s)} |`,
      `| (a) Fleet CPU per send | ${cpuPer(s.cpu, s.accepted)} |`,
    );
  }
  if (result.docs) {
    const d = result.docs;
    const peak = Math.max(d.sampledPeakRss, d.kernelPeakRss ?? 0);
    const increase = peak - d.baselineRss;
    rows.push(
      `| (b) ${d.count} documents of ${mib(o.docBytes)} MiB sent at once, one per session | ${outcome(d)} |`,
      `| (b) worker RSS: baseline / peak (${d.samples} samples every ${o.rssIntervalMs} ms; kernel VmHWM) | ${mib(d.baselineRss)} / ${mib(d.sampledPeakRss)} MiB (${d.kernelPeakRss === undefined ? 'VmHWM not available' : `${mib(d.kernelPeakRss)} MiB`}) |`,
      `| (b) **worker peak RSS increase** (target < 100 MB) | **${mib(increase)} MiB (${(increase / 1e6).toFixed(0)} MB)** ${increase < RSS_TARGET_BYTES ? '✔' : '✘'} |`,
      `| (b) worker heap used / external (Buffer) memory: before → largest of 1 s samples of /metrics | ${mib(d.heapBefore)} → ${mib(d.heapUsed)} / ${mib(d.externalBefore)} → ${mib(d.external)} MiB |`,
      `| (b) send request → delivered (event), p50 / p95 / max | ${latency(d)} |`,
      `| (b) Fleet CPU per document | ${cpuPer(d.cpu, d.accepted)} |`,
    );
  }
  if (result.inbound) {
    const i = result.inbound;
    rows.push(
      `| (c) inbound ${mib(o.inboundBytes)} MiB images injected at the simulator over ${i.sessions} sessions | ${i.count} injected, ${i.stored} stored (available), ${i.mismatched} with another hash or size |`,
      `| (c) **images stored per second** (first injection → last available) | **${(i.stored / Math.max(0.001, i.wallMs / 1000)).toFixed(1)}/s** (${(i.wallMs / 1000).toFixed(1)} s) |`,
      `| (c) Fleet CPU per image | ${cpuPer(i.cpu, i.stored)} |`,
    );
  }
  return `## Media (make bench-media) — ${new Date().toISOString().slice(0, 10)}
machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, load average at the end ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}
simulator and load generator (this process) under SCHED_IDLE: ${result.idleApplied ? 'yes' : `no${o.idle ? ' (chrt missing or refused)' : ''}`}
media sent in (a) and (b): uploaded once per workspace with POST /api/media (multipart, ${o.workspaces} workspace${o.workspaces === 1 ? '' : 's'}), sent by media.id
Fleet CPU = ingress + worker + Redis (/proc/<pid>/stat utime + stime over the part; Redis counts whatever else used it meanwhile); the simulator (WhatsApp) and the S3 server (the media store) are shown apart
| figure | value |
|---|---|
${rows.join('\n')}
`;
}
