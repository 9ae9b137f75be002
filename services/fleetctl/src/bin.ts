#!/usr/bin/env node
import { runCli } from './cli';

runCli(process.argv.slice(2), { env: process.env, out: process.stdout, err: process.stderr }).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`fleetctl: ${String(error)}\n`);
    process.exit(1);
  },
);
