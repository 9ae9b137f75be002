import { useState } from 'preact/hooks';
import { can } from '../api';
import { Badge, Confirm, Empty, ErrorNote } from '../components';
import { ago, percent } from '../format';
import { useLoad } from '../hooks';
import { useSignedIn } from '../session';

interface Instance {
  instance_id: string;
  url: string;
  draining: boolean;
  shards: number;
  sessions: number;
  max_sessions: number;
  utilization: number;
  started_at: number;
}

interface Instances {
  shard_count: number;
  placement_version: number;
  instances: Instance[];
  totals: { instances: number; sessions: number; max_sessions: number; utilization: number };
}

interface SweepEntry {
  instance: string;
  status: 'healthy' | 'unhealthy' | 'unreachable';
  draining: boolean;
  error?: string;
}

interface Sweep {
  checked_at: number;
  age_seconds: number;
  instances: SweepEntry[];
}

interface RebalancePlan {
  applied: boolean;
  placement_version: number;
  moves: Array<{ shard: number; from: string; to: string; sessions: number; why: string }>;
  before: { max: number; mean: number; per_instance: Record<string, number> };
  after: { max: number; mean: number; per_instance: Record<string, number> };
}

/** active, draining, or fenced (the sweep found it unhealthy: it cannot renew its registration) / unreachable. */
function stateOf(instance: Instance, sweep: SweepEntry | undefined): string {
  if (instance.draining) return 'draining';
  if (sweep?.status === 'unhealthy') return 'fenced';
  if (sweep?.status === 'unreachable') return 'unreachable';
  return 'active';
}

export function FleetPage() {
  const { api, key } = useSignedIn();
  const fleet = useLoad((signal) => api.get<Instances>('/api/instances', undefined, signal), [], 2000);
  const sweep = useLoad((signal) => api.get<Sweep>('/api/health/instances', undefined, signal), [], 10_000);
  const [drain, setDrain] = useState<{ id: string; undo: boolean } | null>(null);
  const [plan, setPlan] = useState<RebalancePlan | null>(null);
  const [planError, setPlanError] = useState<unknown>(undefined);
  const [applying, setApplying] = useState(false);
  const [result, setResult] = useState<string | null>(null);
  const admin = can(key, 'admin');

  const preview = async (): Promise<void> => {
    setPlanError(undefined);
    setResult(null);
    try {
      setPlan(await api.get<RebalancePlan>('/api/admin/rebalance'));
    } catch (e) {
      setPlanError(e);
    }
  };

  const data = fleet.data;
  const byInstance = new Map((sweep.data?.instances ?? []).map((entry) => [entry.instance, entry]));
  return (
    <section>
      <h1>Fleet</h1>
      <ErrorNote error={fleet.error} what="Instances" />
      {data ? (
        <div class="stats" data-testid="fleet-totals">
          <div>
            <strong>{data.totals.instances}</strong>
            <span>workers</span>
          </div>
          <div>
            <strong>{data.totals.sessions}</strong>
            <span>sessions</span>
          </div>
          <div>
            <strong>{percent(data.totals.utilization)}</strong>
            <span>of {data.totals.max_sessions} capacity</span>
          </div>
          <div>
            <strong>{data.shard_count}</strong>
            <span>shards (placement v{data.placement_version})</span>
          </div>
        </div>
      ) : null}
      <div class="table-wrap">
        <table data-testid="instances">
          <thead>
            <tr>
              <th>Worker</th>
              <th>State</th>
              <th>Sessions</th>
              <th>Capacity</th>
              <th>Shards</th>
              <th>Health sweep</th>
              <th>Started</th>
              {admin ? <th /> : null}
            </tr>
          </thead>
          <tbody>
            {(data?.instances ?? []).map((instance) => {
              const entry = byInstance.get(instance.instance_id);
              const state = stateOf(instance, entry);
              return (
                <tr key={instance.instance_id} data-testid={`instance-${instance.instance_id}`} data-state={state} data-sessions={instance.sessions}>
                  <td>
                    <strong>{instance.instance_id}</strong>
                    <div class="sub">{instance.url}</div>
                  </td>
                  <td>
                    <Badge value={state} />
                  </td>
                  <td class="num">{instance.sessions}</td>
                  <td>
                    <div class="meter" title={percent(instance.utilization)}>
                      <div class={`meter-fill w${Math.min(100, Math.round(instance.utilization * 20) * 5)}`} />
                    </div>
                    <div class="sub">
                      {instance.sessions} / {instance.max_sessions} ({percent(instance.utilization)})
                    </div>
                  </td>
                  <td class="num">{instance.shards}</td>
                  <td>
                    {entry ? <Badge value={entry.status} /> : <span class="sub">not swept yet</span>}
                    {entry?.error ? <div class="sub">{entry.error}</div> : null}
                  </td>
                  <td>{ago(instance.started_at)}</td>
                  {admin ? (
                    <td class="actions-cell">
                      <button
                        type="button"
                        onClick={() => setDrain({ id: instance.instance_id, undo: instance.draining })}
                        data-testid={`drain-${instance.instance_id}`}
                      >
                        {instance.draining ? 'Undrain' : 'Drain'}
                      </button>
                    </td>
                  ) : null}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {data && data.instances.length === 0 ? <Empty>No live worker.</Empty> : null}
      <p class="sub">
        Health sweep: {sweep.data ? `checked ${ago(sweep.data.checked_at)}` : 'not yet'}. <ErrorNote error={sweep.error} what="Health sweep" />
      </p>

      {admin ? (
        <div class="panel">
          <h2>Rebalance</h2>
          <p class="note">
            Moves shards from the busiest worker to the least busy until none is more than 10 % above the mean session count. Preview first; nothing moves until
            you apply.
          </p>
          <button type="button" onClick={() => void preview()} data-testid="rebalance-preview">
            Preview rebalance
          </button>
          <ErrorNote error={planError} what="Rebalance" />
          {result ? (
            <p class="note" data-testid="rebalance-result">
              {result}
            </p>
          ) : null}
          {plan ? (
            <div data-testid="rebalance-plan">
              {plan.moves.length === 0 ? (
                <Empty>
                  Nothing to move: the fleet is balanced (largest {plan.before.max} sessions, mean {plan.before.mean.toFixed(1)}).
                </Empty>
              ) : (
                <>
                  <div class="table-wrap">
                    <table>
                      <thead>
                        <tr>
                          <th>Shard</th>
                          <th>From</th>
                          <th>To</th>
                          <th>Sessions</th>
                          <th>Why</th>
                        </tr>
                      </thead>
                      <tbody>
                        {plan.moves.map((move) => (
                          <tr key={move.shard}>
                            <td class="num">{move.shard}</td>
                            <td>{move.from}</td>
                            <td>{move.to}</td>
                            <td class="num">{move.sessions}</td>
                            <td>{move.why}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                  <p class="sub">
                    Largest worker: {plan.before.max} → {plan.after.max} sessions (mean {plan.before.mean.toFixed(1)}).
                  </p>
                  <button type="button" class="primary" onClick={() => setApplying(true)} data-testid="rebalance-apply">
                    Apply {plan.moves.length} move{plan.moves.length === 1 ? '' : 's'}
                  </button>
                </>
              )}
            </div>
          ) : null}
        </div>
      ) : null}

      {drain ? (
        <Confirm
          title={drain.undo ? `Put ${drain.id} back in service?` : `Drain ${drain.id}?`}
          confirmLabel={drain.undo ? 'Undrain' : 'Drain'}
          danger={!drain.undo}
          onClose={() => setDrain(null)}
          onConfirm={async () => {
            await api.post(`/api/admin/instances/${encodeURIComponent(drain.id)}/drain`, { undo: drain.undo });
            fleet.reload();
          }}
        >
          {drain.undo ? (
            <p>The worker takes shards again at the next placement; sessions move back only as placement requires.</p>
          ) : (
            <p>Every session on {drain.id} stops cleanly and starts on the other workers; the worker stays up, idle, until undrained or stopped.</p>
          )}
        </Confirm>
      ) : null}
      {applying && plan ? (
        <Confirm
          title="Apply the rebalance?"
          confirmLabel="Apply"
          onClose={() => setApplying(false)}
          onConfirm={async () => {
            const applied = await api.post<RebalancePlan>('/api/admin/rebalance');
            setPlan(null);
            setResult(
              applied.applied
                ? `Applied ${applied.moves.length} move(s); sessions restart on their new workers.`
                : 'Not applied: the placement changed meanwhile. Preview again.',
            );
            fleet.reload();
          }}
        >
          <p>{plan.moves.length} shard(s) change worker; their sessions restart there (a few seconds without a socket each).</p>
        </Confirm>
      ) : null}
    </section>
  );
}
