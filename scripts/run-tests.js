#!/usr/bin/env node
// Runs every compiled mocha test (…/dist/test/**/*.test.js) in one process and ends with the line
// "N passed, N failed" that CI reads. Arguments narrow the run to files whose path contains them.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const Mocha = require('mocha');

const root = path.resolve(__dirname, '..');
const filters = process.argv.slice(2);

function findTests(dir, out) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) findTests(full, out);
    else if (entry.name.endsWith('.test.js') && full.includes(`${path.sep}dist${path.sep}test${path.sep}`)) out.push(full);
  }
  return out;
}

/**
 * The TypeScript source a compiled test came from (…/dist/test/x.test.js → …/test/x.test.ts). A test
 * whose source is gone (renamed or deleted since the last build: tsc leaves its output behind) is
 * not run.
 */
function hasSource(file) {
  const source = file.replace(`${path.sep}dist${path.sep}test${path.sep}`, `${path.sep}test${path.sep}`).replace(/\.js$/, '.ts');
  if (fs.existsSync(source)) return true;
  process.stderr.write(`skipping ${path.relative(root, file)}: its source ${path.relative(root, source)} is gone (stale build output)\n`);
  return false;
}

const files = ['shared', 'services', 'loadtest', 'deploy']
  .map((top) => path.join(root, top))
  .filter((dir) => fs.existsSync(dir))
  .flatMap((dir) => findTests(dir, []))
  .filter(hasSource)
  // Filters match the path inside the repository, so a checkout's own directory name matches nothing.
  .filter((file) => filters.length === 0 || filters.some((filter) => path.relative(root, file).includes(filter)))
  .sort();

const mocha = new Mocha({
  timeout: 60_000,
  reporter: process.env.MOCHA_REPORTER || 'spec',
  rootHooks: require('./test-hooks'),
});
for (const file of files) mocha.addFile(file);

const runner = mocha.run((failures) => {
  const { passes = 0, pending = 0 } = runner.stats || {};
  const failed = failures;
  const skipped = pending > 0 ? `, ${pending} skipped` : '';
  process.stdout.write(`\n${passes} passed, ${failed} failed${skipped}\n`);
  if (passes + failed === 0) {
    process.stderr.write('no test ran\n');
    process.exitCode = 1;
  } else {
    process.exitCode = failed > 0 ? 1 : 0;
  }
  // Give open handles a moment, then leave: a leaked socket must not hang CI.
  setTimeout(() => process.exit(process.exitCode), 2_000).unref();
});
