import { Writable } from 'node:stream';
import { expect } from 'chai';
import winston from 'winston';
import { createLogger } from '../src';

/** Captures what the logger writes (its console transport swapped for a stream). */
function capture(level: 'error' | 'warn' | 'info' | 'debug') {
  const logger = createLogger({ service: 'test', level });
  const lines: Array<Record<string, unknown>> = [];
  logger.clear();
  logger.add(
    new winston.transports.Stream({
      stream: new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
          done();
        },
      }),
    }),
  );
  return { logger, lines };
}

describe('logger', () => {
  it('writes lines at and above its level, from the logger and its children, and skips the rest', () => {
    const { logger, lines } = capture('warn');
    const child = logger.child({ sessionId: 's1' });
    logger.error('boom', { code: 1 });
    child.warn('careful');
    logger.info('chatty');
    child.debug('noise');
    expect(lines.map((line) => [line.level, line.message, line.sessionId])).to.deep.equal([
      ['error', 'boom', undefined],
      ['warn', 'careful', 's1'],
    ]);
    expect(lines[0]).to.include({ service: 'test', code: 1 });
  });

  it('follows a level changed at run time', () => {
    const { logger, lines } = capture('error');
    logger.info('before');
    logger.level = 'debug';
    logger.child({ a: 1 }).debug('after');
    expect(lines.map((line) => line.message)).to.deep.equal(['after']);
  });

  it('never formats a skipped line (redaction and JSON run only for lines written)', () => {
    const { logger, lines } = capture('info');
    let formatted = 0;
    const probe = { toJSON: () => (formatted += 1) };
    logger.debug('skipped', { probe });
    expect(formatted).to.equal(0);
    logger.info('written', { probe });
    expect(formatted).to.be.greaterThan(0);
    expect(lines).to.have.length(1);
  });
});
