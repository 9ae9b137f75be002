import type { FleetSample } from './sampler';

export interface LatencyPoint {
  readonly t: number;
  readonly p50: number;
  readonly p95: number;
}

export interface ChartInput {
  readonly title: string;
  /** Named latency series (ms) by time (ms since start). */
  readonly latency: ReadonlyArray<{ readonly name: string; readonly points: readonly LatencyPoint[] }>;
  readonly sessions: readonly FleetSample[];
}

const W = 900;
const PANEL = 230;
const LEFT = 70;
const RIGHT = 20;
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];

const esc = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function axis(top: number, maxT: number, maxY: number, unit: string): string {
  const parts: string[] = [`<rect x="${LEFT}" y="${top}" width="${W - LEFT - RIGHT}" height="${PANEL}" fill="none" stroke="#999"/>`];
  for (let i = 0; i <= 4; i += 1) {
    const y = top + PANEL - (i * PANEL) / 4;
    parts.push(`<line x1="${LEFT}" x2="${W - RIGHT}" y1="${y}" y2="${y}" stroke="#eee"/>`);
    parts.push(`<text x="${LEFT - 6}" y="${y + 4}" text-anchor="end" font-size="11">${Math.round((maxY * i) / 4)}${unit}</text>`);
    const x = LEFT + ((W - LEFT - RIGHT) * i) / 4;
    parts.push(`<text x="${x}" y="${top + PANEL + 14}" text-anchor="middle" font-size="11">${Math.round((maxT * i) / 4 / 1000)} s</text>`);
  }
  return parts.join('');
}

function line(points: ReadonlyArray<{ t: number; v: number }>, top: number, maxT: number, maxY: number, color: string, dash = ''): string {
  if (points.length === 0) return '';
  const xy = points.map((p) => `${(LEFT + (p.t / maxT) * (W - LEFT - RIGHT)).toFixed(1)},${(top + PANEL - (Math.min(p.v, maxY) / maxY) * PANEL).toFixed(1)}`);
  return `<polyline points="${xy.join(' ')}" fill="none" stroke="${color}" stroke-width="1.5"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`;
}

const niceMax = (value: number): number => {
  if (!(value > 0)) return 1;
  const step = 10 ** Math.floor(Math.log10(value));
  return Math.ceil(value / step) * step;
};

/** Two panels: latency p50 (dashed) and p95 (solid) per series over time; connected sessions over time. */
export function renderChart(input: ChartInput): string {
  const maxT = Math.max(1000, ...input.sessions.map((s) => s.t), ...input.latency.flatMap((s) => s.points.map((p) => p.t)));
  const maxLatency = niceMax(Math.max(0, ...input.latency.flatMap((s) => s.points.map((p) => p.p95)).filter(Number.isFinite)));
  const maxSessions = niceMax(Math.max(0, ...input.sessions.map((s) => s.connected)));
  const top1 = 40;
  const top2 = top1 + PANEL + 60;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${top2 + PANEL + 40}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${LEFT}" y="20" font-size="14">${esc(input.title)}</text>`,
    `<text x="${LEFT}" y="${top1 - 6}" font-size="12">latency (ms) by start time, 5 s windows: p95 solid, p50 dashed</text>`,
    axis(top1, maxT, maxLatency, ''),
    `<text x="${LEFT}" y="${top2 - 6}" font-size="12">connected sessions (sum of the workers' fleet_sessions{status="connected"})</text>`,
    axis(top2, maxT, maxSessions, ''),
  ];
  input.latency.forEach((series, i) => {
    const color = COLORS[i % COLORS.length]!;
    parts.push(
      line(
        series.points.map((p) => ({ t: p.t, v: p.p95 })),
        top1,
        maxT,
        maxLatency,
        color,
      ),
    );
    parts.push(
      line(
        series.points.map((p) => ({ t: p.t, v: p.p50 })),
        top1,
        maxT,
        maxLatency,
        color,
        '4 3',
      ),
    );
    parts.push(`<text x="${W - RIGHT - 150}" y="${top1 + 16 + i * 14}" font-size="11" fill="${color}">${esc(series.name)}</text>`);
  });
  parts.push(
    line(
      input.sessions.map((s) => ({ t: s.t, v: s.connected })),
      top2,
      maxT,
      maxSessions,
      '#ff7f0e',
    ),
  );
  parts.push('</svg>');
  return parts.join('\n');
}
