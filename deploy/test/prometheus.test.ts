import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { parse } from 'yaml';
import { waitFor } from '@fleet/testing';
import { REPO_ROOT, startLocalFleet, type LocalFleet } from './fleet-harness';
import { exportedFamilies, isExported, metricNamesIn } from './promql-names';
import { ensureDebianPackage, runTool, startPrometheus, type RunningPrometheus } from './tools';

const PROMETHEUS_DIR = path.join(REPO_ROOT, 'deploy/prometheus');
const ALERTMANAGER_DIR = path.join(REPO_ROOT, 'deploy/alertmanager');

interface Rule {
  readonly alert: string;
  readonly expr: string;
}
interface AlertTest {
  readonly alertname: string;
  readonly exp_alerts?: unknown[];
}

async function alertRules(): Promise<Rule[]> {
  const doc = parse(await readFile(path.join(PROMETHEUS_DIR, 'alerts.yml'), 'utf8')) as { groups: Array<{ rules: Rule[] }> };
  return doc.groups.flatMap((group) => group.rules);
}

describe('deploy: Prometheus config, alert rules and Alertmanager (promtool, amtool)', function () {
  this.timeout(300_000);

  before(async () => {
    await ensureDebianPackage('promtool', 'prometheus');
    await ensureDebianPackage('amtool', 'prometheus-alertmanager');
  });

  it('promtool check config accepts prometheus.yml (rule files and target files included)', async () => {
    const out = await runTool('promtool', ['check', 'config', 'prometheus.yml'], PROMETHEUS_DIR);
    expect(out).to.match(/SUCCESS: prometheus\.yml is valid/);
  });

  it('promtool check rules accepts alerts.yml', async () => {
    const out = await runTool('promtool', ['check', 'rules', 'alerts.yml'], PROMETHEUS_DIR);
    expect(out).to.match(/SUCCESS: \d+ rules found/);
  });

  it('promtool test rules passes the unit tests of the alerts', async () => {
    const out = await runTool('promtool', ['test', 'rules', 'alerts.test.yml'], PROMETHEUS_DIR);
    expect(out).to.match(/SUCCESS/);
  });

  it('every alert has a unit test where it fires and one where it does not', async () => {
    const tests = parse(await readFile(path.join(PROMETHEUS_DIR, 'alerts.test.yml'), 'utf8')) as {
      tests: Array<{ alert_rule_test?: AlertTest[] }>;
    };
    const cases = tests.tests.flatMap((test) => test.alert_rule_test ?? []);
    const rules = await alertRules();
    expect(rules.length).to.be.greaterThanOrEqual(10);
    for (const { alert } of rules) {
      const mine = cases.filter((test) => test.alertname === alert);
      expect(
        mine.some((test) => (test.exp_alerts ?? []).length > 0),
        `${alert} fires in some test`,
      ).to.equal(true);
      expect(
        mine.some((test) => (test.exp_alerts ?? []).length === 0),
        `${alert} stays quiet in some test`,
      ).to.equal(true);
    }
  });

  it('the checklist thresholds are the ones in the rules', async () => {
    const byName = new Map((await alertRules()).map((rule) => [rule.alert, rule as Rule & { for?: string }]));
    expect(byName.get('FleetHighCpu'))
      .to.include({ for: '10m' })
      .and.to.have.property('expr')
      .that.matches(/> 0\.8$/);
    expect(byName.get('FleetHighMemory'))
      .to.include({ for: '5m' })
      .and.to.have.property('expr')
      .that.matches(/> 0\.85$/);
    expect(byName.get('FleetSessionsNearCapacity'))
      .to.have.property('expr')
      .that.matches(/> 0\.9$/);
    expect(byName.get('FleetInstanceUnreachable')).to.include({ for: '2m' });
  });

  it('alert expressions read only metrics the services export', async () => {
    const families = await exportedFamilies();
    const unknown = (await alertRules()).flatMap((rule) =>
      metricNamesIn(rule.expr)
        .filter((name) => !isExported(name, families))
        .map((name) => `${rule.alert}: ${name}`),
    );
    expect(unknown).to.deep.equal([]);
  });

  it('amtool check-config accepts the Alertmanager routing example (email + Slack)', async () => {
    const out = await runTool('amtool', ['check-config', 'alertmanager.yml'], ALERTMANAGER_DIR);
    expect(out).to.match(/SUCCESS/);
    const config = parse(await readFile(path.join(ALERTMANAGER_DIR, 'alertmanager.yml'), 'utf8')) as { receivers: Array<Record<string, unknown>> };
    expect(config.receivers.some((receiver) => 'email_configs' in receiver)).to.equal(true);
    expect(config.receivers.some((receiver) => 'slack_configs' in receiver)).to.equal(true);
  });

  describe('a real Prometheus with this config, scraping an ingress and a worker', () => {
    let fleet: LocalFleet;
    let prometheus: RunningPrometheus | undefined;
    let dir: string;

    before(async () => {
      fleet = await startLocalFleet();
      dir = await mkdtemp(path.join(tmpdir(), 'fleet-prom-'));
      await cp(PROMETHEUS_DIR, path.join(dir, 'prometheus'), { recursive: true });
      const config = path.join(dir, 'prometheus/prometheus.yml');
      const text = (await readFile(config, 'utf8'))
        .replace(/scrape_interval: 15s/, 'scrape_interval: 1s')
        .replace(/evaluation_interval: 15s/, 'evaluation_interval: 1s');
      await writeFile(config, text);
      const hostPort = (url: string): string => new URL(url).host;
      await writeFile(
        path.join(dir, 'prometheus/targets/local-ingress.yml'),
        `- targets: ['${hostPort(fleet.ingressUrl)}']\n  labels: {instance: ingress-1}\n`,
      );
      await writeFile(
        path.join(dir, 'prometheus/targets/local-workers.yml'),
        `- targets: ['${hostPort(fleet.workerUrl)}']\n  labels: {instance: instance-1}\n`,
      );
      prometheus = await startPrometheus(config, path.join(dir, 'data'));
    });

    after(async () => {
      await prometheus?.stop();
      await fleet?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    const api = async (route: string): Promise<any> => {
      const response = await fetch(`${prometheus!.url}${route}`);
      return ((await response.json()) as { data: unknown }).data;
    };

    it('scrapes both targets and evaluates every alert rule without error', async () => {
      await waitFor(
        async () => {
          const targets = (await api('/api/v1/targets').catch(() => undefined)) as
            { activeTargets: Array<{ labels: Record<string, string>; health: string }> } | undefined;
          const up = (targets?.activeTargets ?? []).filter((target) => target.health === 'up').map((target) => target.labels.job);
          return up.includes('fleet-ingress') && up.includes('fleet-worker');
        },
        { timeoutMs: 60_000, what: `ingress and worker targets up (prometheus log: ${prometheus!.output().slice(-500)})` },
      );
      const names = (await alertRules()).map((rule) => rule.alert);
      const rules = await waitFor(
        async () => {
          const groups = (await api('/api/v1/rules')).groups as Array<{ rules: Array<{ name: string; health: string; lastEvaluation: string }> }>;
          const all = groups.flatMap((group) => group.rules);
          const evaluated = all.filter((rule) => rule.health === 'ok' && !rule.lastEvaluation.startsWith('0001'));
          return evaluated.length === names.length ? all : undefined;
        },
        { timeoutMs: 60_000, what: 'every rule evaluated with health ok' },
      );
      expect(rules!.map((rule) => rule.name).sort()).to.deep.equal([...names].sort());
    });

    it('sees the worker capacity and the live-worker count under the worker’s INSTANCE_ID', async () => {
      const capacity = await waitFor(
        async () => {
          const result = (await api('/api/v1/query?query=fleet_sessions_capacity')).result as Array<{
            metric: Record<string, string>;
            value: [number, string];
          }>;
          return result.length > 0 ? result : undefined;
        },
        { timeoutMs: 30_000, what: 'fleet_sessions_capacity scraped' },
      );
      expect(capacity![0]!.metric).to.include({ job: 'fleet-worker', instance: 'instance-1', service: 'worker' });
      expect(capacity![0]!.value[1]).to.equal('10');
      const live = (await api('/api/v1/query?query=max(fleet_ring_live_workers)')).result as Array<{ value: [number, string] }>;
      expect(live[0]!.value[1]).to.equal('1');
    });
  });
});
