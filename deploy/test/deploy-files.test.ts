import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { REPO_ROOT } from './fleet-harness';

const run = promisify(execFile);
const SCRIPT = path.join(REPO_ROOT, 'deploy/scripts/deploy.sh');

describe('deploy: systemd units, docker-compose and Kubernetes manifests (make deploy-*)', function () {
  this.timeout(120_000);

  for (const kind of ['systemd', 'compose', 'k8s']) {
    it(`make deploy-${kind} validation passes`, async () => {
      const { stdout } = await run(SCRIPT, [kind], { env: { ...process.env, APPLY: '0' } });
      expect(stdout).to.match(new RegExp(`^${kind}: ok`, 'm'));
    });
  }

  it('the validator rejects a broken manifest set (it can fail)', async () => {
    const validator = path.join(REPO_ROOT, 'deploy/scripts/validate.js');
    const error = await run(process.execPath, [validator, 'nope']).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).to.match(/unknown check nope/);
  });
});
