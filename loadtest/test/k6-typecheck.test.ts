import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const K6_DIR = path.join(ROOT, 'loadtest', 'k6');

/** No k6 binary can be installed here: the scenarios are type-checked against @types/k6 instead. */
describe('k6 scenarios (loadtest/k6)', function () {
  this.timeout(90_000);

  it("has the checklist's four scenarios", () => {
    const files = readdirSync(K6_DIR).filter((f) => f.endsWith('.ts'));
    expect(files).to.include.members(['create-sessions.ts', 'send-messages.ts', 'mixed.ts', 'soak.ts']);
  });

  it('type-checks against @types/k6 with no error', async () => {
    const tsc = require.resolve('typescript/bin/tsc', { paths: [ROOT] });
    const result = await promisify(execFile)(process.execPath, [tsc, '-p', path.join(K6_DIR, 'tsconfig.json'), '--pretty', 'false'], { cwd: ROOT }).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code?: number; stdout?: string }) => ({ code: error.code ?? 1, stdout: error.stdout ?? '' }),
    );
    expect(result.stdout.trim(), result.stdout).to.equal('');
    expect(result.code).to.equal(0);
  });
});
