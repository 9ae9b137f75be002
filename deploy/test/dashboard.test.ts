import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { parse } from 'yaml';
import { REPO_ROOT } from './fleet-harness';
import { exportedFamilies, isExported, metricNamesIn } from './promql-names';

const DASHBOARD = path.join(REPO_ROOT, 'deploy/grafana/dashboards/fleet.json');
const PROVISIONING = path.join(REPO_ROOT, 'deploy/grafana/provisioning');

interface Panel {
  readonly title?: string;
  readonly targets?: ReadonlyArray<{ readonly expr?: string }>;
  readonly panels?: readonly Panel[];
}

/** Every `expr` of every panel (rows' nested panels included) and of the templating queries. */
function expressions(dashboard: { panels: Panel[]; templating?: { list: Array<{ query?: unknown }> } }): Array<{ where: string; expr: string }> {
  const out: Array<{ where: string; expr: string }> = [];
  const walk = (panels: readonly Panel[]): void => {
    for (const panel of panels) {
      for (const target of panel.targets ?? []) if (target.expr) out.push({ where: panel.title ?? '?', expr: target.expr });
      walk(panel.panels ?? []);
    }
  };
  walk(dashboard.panels);
  for (const variable of dashboard.templating?.list ?? []) {
    const query = typeof variable.query === 'object' && variable.query ? (variable.query as { query?: string }).query : undefined;
    const metric = /label_values\(\s*([a-zA-Z_:][\w:]*)/.exec(query ?? '');
    if (metric) out.push({ where: 'templating', expr: metric[1]! });
  }
  return out;
}

describe('deploy: Grafana dashboard', () => {
  it('parses the PromQL names out of expressions', () => {
    expect(metricNamesIn('sum by (le, from) (rate(fleet_x_bucket{a="b", c=~"$instance"}[5m])) / on(job) group_left fleet_y')).to.deep.equal([
      'fleet_x_bucket',
      'fleet_y',
    ]);
    expect(metricNamesIn('time() - max(fleet_backup_last_success_timestamp_seconds) > 7200 and on(job) up == 0')).to.deep.equal([
      'fleet_backup_last_success_timestamp_seconds',
      'up',
    ]);
  });

  it('every query names only metrics the services export', async () => {
    const dashboard = JSON.parse(await readFile(DASHBOARD, 'utf8'));
    const exprs = expressions(dashboard);
    expect(exprs.length).to.be.greaterThan(30);
    const families = await exportedFamilies();
    const unknown = exprs.flatMap(({ where, expr }) =>
      metricNamesIn(expr)
        .filter((name) => !isExported(name, families))
        .map((name) => `${where}: ${name}`),
    );
    expect(unknown).to.deep.equal([]);
  });

  it('covers capacity, session statuses, latencies, queues, webhooks and backups', async () => {
    const dashboard = JSON.parse(await readFile(DASHBOARD, 'utf8'));
    const used = new Set(expressions(dashboard).flatMap(({ expr }) => metricNamesIn(expr)));
    for (const name of [
      'fleet_sessions_capacity',
      'fleet_sessions',
      'fleet_session_qr_latency_seconds_bucket',
      'fleet_message_send_latency_seconds_bucket',
      'fleet_queue_jobs',
      'fleet_webhook_deliveries_total',
      'fleet_backup_last_success_timestamp_seconds',
    ]) {
      expect([...used], name).to.include(name);
    }
  });

  it('has unique panel ids and provisioning files that point at a Prometheus datasource and a dashboard folder', async () => {
    const dashboard = JSON.parse(await readFile(DASHBOARD, 'utf8')) as { uid: string; panels: Array<{ id: number }> };
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).to.equal(ids.length);
    const datasources = parse(await readFile(path.join(PROVISIONING, 'datasources/fleet-prometheus.yml'), 'utf8'));
    expect(datasources.datasources[0]).to.include({ type: 'prometheus', uid: 'prometheus' });
    const providers = parse(await readFile(path.join(PROVISIONING, 'dashboards/fleet.yml'), 'utf8'));
    expect(providers.providers[0].type).to.equal('file');
  });
});
