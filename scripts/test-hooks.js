'use strict';
// Global test setup: one clear message when a dependency the tests need is down.
const { assertRedisReachable } = require('@fleet/testing');

module.exports = {
  async beforeAll() {
    this.timeout(10_000);
    await assertRedisReachable();
  },
};
