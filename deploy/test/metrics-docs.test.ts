import { expect } from 'chai';
import { createBackupMetrics } from '@fleet/backup';
import { createDispatcherMetrics } from '@fleet/dispatcher';
import { waitFor } from '@fleet/testing';
import { documentedMetrics, familiesOf, sampleValue, startLocalFleet, type LocalFleet } from './fleet-harness';

function fleetNames(families: Set<string>): string[] {
  return [...families].filter((name) => name.startsWith('fleet_')).sort();
}

describe('deploy: every service exports the metrics docs/metrics.md lists (and only those)', function () {
  this.timeout(60_000);
  let fleet: LocalFleet;
  const scraped = new Map<string, string>();

  before(async () => {
    fleet = await startLocalFleet();
    // Drive one session through QR → connected and one message to `sent`, so the histograms have data.
    const created = await fleet.call('POST', '/api/sessions/create', { session_id: 'metrics-1', workspace_id: 3, account_id: '1' });
    expect(created.status, JSON.stringify(created.body)).to.equal(202);
    await waitFor(async () => (await fleet.call('GET', '/api/sessions/metrics-1/status')).body?.status === 'connected', { what: 'session connected' });
    const sent = await fleet.call('POST', '/api/messages/send', { session_id: 'metrics-1', to: '+15551234567', text: 'hi' });
    expect(sent.status, JSON.stringify(sent.body)).to.equal(202);
    await waitFor(async () => (await fleet.call('GET', `/api/messages/${String(sent.body.message_id)}`)).body?.status === 'sent', { what: 'message sent' });
    scraped.set('ingress', await (await fetch(`${fleet.ingressUrl}/metrics`)).text());
    scraped.set('worker', await (await fetch(`${fleet.workerUrl}/metrics`)).text());
    scraped.set('dispatcher', await createDispatcherMetrics().registry.metrics());
    scraped.set('backup', await createBackupMetrics('backup-1').registry.metrics());
  });

  after(async () => {
    await fleet?.close();
  });

  for (const service of ['ingress', 'worker', 'dispatcher', 'backup']) {
    it(`${service}: documented fleet_* metrics = exported fleet_* metrics`, async () => {
      const documented = (await documentedMetrics()).services.get(service) ?? [];
      expect(documented.length, `docs/metrics.md has no "## ${service}" table`).to.be.greaterThan(0);
      const exported = fleetNames(familiesOf(scraped.get(service)!));
      expect(
        exported.filter((name) => !documented.includes(name)),
        'exported but not documented',
      ).to.deep.equal([]);
      expect(
        documented.filter((name) => !exported.includes(name)),
        'documented but not exported',
      ).to.deep.equal([]);
    });

    it(`${service}: exports the process metrics the alerts use`, async () => {
      const families = familiesOf(scraped.get(service)!);
      const missing = (await documentedMetrics()).process.filter((name) => !families.has(name));
      expect(missing).to.deep.equal([]);
    });
  }

  it('worker: QR latency, send latency, queue depth and ring membership carry live values', () => {
    const text = scraped.get('worker')!;
    expect(sampleValue(text, 'fleet_session_qr_latency_seconds_count', 'from="create"')).to.equal(1);
    expect(sampleValue(text, 'fleet_session_qr_latency_seconds_count', 'from="start"')).to.equal(1);
    expect(sampleValue(text, 'fleet_message_send_latency_seconds_count', 'stage="sent"')).to.equal(1);
    expect(sampleValue(text, 'fleet_job_wait_seconds_count', 'name="message.send"')).to.equal(1);
    expect(sampleValue(text, 'fleet_ring_live_workers', '')).to.equal(1);
    expect(sampleValue(text, 'fleet_sessions', 'status="connected"')).to.equal(1);
    // Alone in the cluster, instance-1 owns all 8 shards: 8 shard queues + its own, 4 states each.
    const queueSeries = text.split('\n').filter((line) => line.startsWith('fleet_queue_jobs{'));
    expect(queueSeries).to.have.length(9 * 4);
    expect(queueSeries.some((line) => line.includes('queue="worker"'))).to.equal(true);
    expect(sampleValue(text, 'fleet_memory_limit_bytes', '')).to.be.greaterThan(0);
  });

  it('ingress: ring membership is read on scrape', () => {
    expect(sampleValue(scraped.get('ingress')!, 'fleet_ring_live_workers', '')).to.equal(1);
  });
});
