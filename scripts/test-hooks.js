'use strict';
// Global test setup: one clear message when a dependency the tests need is down, and the patches of
// third-party code installed once for the test process, as each service's bin does at its start.
const { assertRedisReachable } = require('@fleet/testing');
const { createSilentLogger } = require('@fleet/logger');
const { installBaileysPatches } = require('@fleet/worker');

module.exports = {
  async beforeAll() {
    this.timeout(10_000);
    await assertRedisReachable();
    await installBaileysPatches(createSilentLogger());
  },
};
