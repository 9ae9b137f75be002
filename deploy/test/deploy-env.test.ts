import { expect } from 'chai';
import { readBackupConfig } from '@fleet/backup';
import { readDispatcherConfig } from '@fleet/dispatcher';
import { readIngressConfig } from '@fleet/ingress';
import { readWorkerConfig } from '@fleet/worker';
import { composeEnvs, k8sEnvs, systemdEnvs, type DeployEnvs } from './deploy-env';

/** What an operator exports before `docker compose up` (deploy/docker-compose.yml says so when one is missing). */
const COMPOSE_SHELL = {
  FLEET_API_KEYS: 'compose-admin-key-0123456789',
  FLEET_MEDIA_SIGNING_SECRET: 'compose-media-signing-secret-0123456789',
  FLEET_SESSION_SECRETS_KEY: 'cd'.repeat(32),
  PUBLIC_BASE_URL: 'https://fleet.example.com',
  PROXY_ALLOW: '10.30.0.0/16,proxies.internal',
  WEBHOOK_ALLOW: 'hooks.internal',
  S3_BUCKET: 'operator-backups',
  S3_ENDPOINT: 'https://s3.example.com',
  S3_ACCESS_KEY_ID: 'operator-key',
  S3_SECRET_ACCESS_KEY: 'operator-secret',
};

/** What a config reader refused (its message names every bad variable), or '' when it accepted the environment. */
function problemsOf(read: () => unknown): string {
  try {
    read();
    return '';
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * Each deployment gives every process the environment its own config reader needs in production
 * (NODE_ENV=production makes MEDIA_SIGNING_SECRET and SESSION_SECRETS_KEY required), and the ingress
 * and the workers agree on what one seals, signs or stores and the other opens, checks or reads.
 */
describe('deploy: every process of every deployment reads its configuration, and they agree (docker-compose, Kubernetes, systemd)', () => {
  const deployments: Array<[string, () => DeployEnvs]> = [
    ['docker-compose', () => composeEnvs(COMPOSE_SHELL)],
    ['Kubernetes', k8sEnvs],
    ['systemd', systemdEnvs],
  ];

  for (const [name, envs] of deployments) {
    describe(name, () => {
      it('runs everything with NODE_ENV=production, and each config reader accepts what it is given', () => {
        const { ingress, workers, dispatcher, backup } = envs();
        for (const env of [ingress, ...workers, dispatcher, backup]) {
          expect(env.NODE_ENV).to.equal('production');
          // The proxy agents' debug output prints proxy credentials (docs/configuration.md, Session proxies).
          expect(env, 'DEBUG').to.not.have.property('DEBUG');
        }
        expect(
          problemsOf(() => readIngressConfig(ingress)),
          'ingress',
        ).to.equal('');
        workers.forEach((worker, index) =>
          expect(
            problemsOf(() => readWorkerConfig(worker)),
            `worker ${index + 1}`,
          ).to.equal(''),
        );
        expect(
          problemsOf(() => readDispatcherConfig(dispatcher)),
          'dispatcher',
        ).to.equal('');
        expect(
          problemsOf(() => readBackupConfig(backup)),
          'backup',
        ).to.equal('');
        expect(workers.length).to.be.at.least(1);
      });

      it('the ingress and the workers share Redis, the media store, its link secret, the proxy key and PROXY_ALLOW; the dispatcher WEBHOOK_ALLOW, the backup service its bucket', () => {
        const deployment = envs();
        const ingress = readIngressConfig(deployment.ingress);
        const workers = deployment.workers.map((env) => readWorkerConfig(env));
        expect(ingress.media.signingSecretGenerated).to.equal(false);
        expect(ingress.sessionSecrets?.generated).to.equal(false);
        for (const worker of workers) {
          expect({ redis: worker.common.redisUrl, prefix: worker.common.redisPrefix, heartbeat: worker.heartbeatTtlMs }, worker.instanceId).to.deep.equal({
            redis: ingress.common.redisUrl,
            prefix: ingress.common.redisPrefix,
            heartbeat: ingress.heartbeatTtlMs,
          });
          expect(worker.media, `${worker.instanceId}: the media store and its link secret`).to.deep.equal(ingress.media);
          expect(worker.sessionSecrets, `${worker.instanceId}: the key sealing proxy URLs`).to.deep.equal(ingress.sessionSecrets);
          expect(worker.proxyAllow, `${worker.instanceId}: PROXY_ALLOW`).to.deep.equal(ingress.proxyAllow);
        }
        expect(new Set(workers.map((worker) => worker.instanceId)).size).to.equal(workers.length);
        expect(readDispatcherConfig(deployment.dispatcher).webhookAllow, 'WEBHOOK_ALLOW').to.deep.equal(ingress.webhookAllow);
        const backups = readBackupConfig(deployment.backup).s3;
        expect({ bucket: backups.bucket, prefix: backups.prefix }, 'the bucket the ingress lists is the one the backup service writes').to.deep.equal({
          bucket: ingress.backups.bucket,
          prefix: ingress.backups.prefix,
        });
      });
    });
  }

  it("docker-compose passes the operator's settings to every process that reads them", () => {
    const { ingress, workers, dispatcher, backup } = composeEnvs(COMPOSE_SHELL);
    const config = readIngressConfig(ingress);
    expect(config.proxyAllow).to.deep.equal(['10.30.0.0/16', 'proxies.internal']);
    expect(config.media.publicBaseUrl).to.equal('https://fleet.example.com');
    expect(config.media.s3).to.include({ endpoint: 'https://s3.example.com', bucket: 'fleet-media' });
    expect(config.backups.bucket).to.equal('operator-backups');
    expect(readWorkerConfig(workers[0]!).media?.s3.credentials).to.deep.equal({ accessKeyId: 'operator-key', secretAccessKey: 'operator-secret' });
    expect(readDispatcherConfig(dispatcher).webhookAllow).to.deep.equal(['hooks.internal']);
    expect(readBackupConfig(backup).s3).to.include({ bucket: 'operator-backups', endpoint: 'https://s3.example.com' });
    // Only the ingress and the workers hold the secrets they use.
    expect(Object.keys(dispatcher)).to.not.include.members(['SESSION_SECRETS_KEY', 'MEDIA_SIGNING_SECRET']);
    expect(Object.keys(backup)).to.not.include.members(['SESSION_SECRETS_KEY', 'MEDIA_SIGNING_SECRET']);
  });

  it('can fail: a worker without MEDIA_SIGNING_SECRET is refused in production', () => {
    const { workers } = k8sEnvs();
    const { MEDIA_SIGNING_SECRET: _dropped, ...without } = workers[0]!;
    expect(() => readWorkerConfig(without)).to.throw(/MEDIA_SIGNING_SECRET is required when NODE_ENV=production/);
    expect(() => composeEnvs({ ...COMPOSE_SHELL, FLEET_SESSION_SECRETS_KEY: '' })).to.throw(/needs FLEET_SESSION_SECRETS_KEY/);
  });
});
