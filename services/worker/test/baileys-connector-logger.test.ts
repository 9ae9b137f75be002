import { expect } from 'chai';
import winston from 'winston';
import { Writable } from 'node:stream';
import { createBaileysLogger } from '../src/connector/baileys/baileys-logger';

/** A winston logger writing JSON lines into memory; `lines` holds them parsed. */
function makeLogger(level: string): { logger: winston.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    objectMode: true,
    write(chunk: unknown, _encoding, done) {
      lines.push(chunk as Record<string, unknown>);
      done();
    },
  });
  const transport = new winston.transports.Stream({ stream });
  return { logger: winston.createLogger({ level, transports: [transport] }), lines };
}

describe('baileys-connector: Baileys logger adapter', () => {
  it('maps Baileys levels down and never reports trace as its level', () => {
    const { logger, lines } = makeLogger('info');
    const adapter = createBaileysLogger(logger);
    expect(adapter.level).to.equal('info');
    adapter.trace({ a: 1 }, 'frame');
    adapter.debug('debug line');
    adapter.info({ node: {} }, 'logging in...');
    adapter.warn({ x: 1 }, 'warned');
    adapter.error({ x: 1 }, 'stream errored out');
    adapter.fatal({ x: 1 }, 'fatal');
    expect(lines.map((line) => [line['level'], line['message']])).to.deep.equal([
      ['warn', 'warned'],
      ['warn', 'stream errored out'],
      ['error', 'fatal'],
    ]);
    const verbose = makeLogger('debug');
    const debugAdapter = createBaileysLogger(verbose.logger);
    expect(debugAdapter.level).to.equal('debug');
    debugAdapter.trace({}, 'trace line');
    debugAdapter.info({}, 'info line');
    expect(verbose.lines.map((line) => line['level'])).to.deep.equal(['debug', 'debug']);
  });

  it('stacks child bindings on its own, and makes the winston child only when a line is written', () => {
    const { logger, lines } = makeLogger('warn');
    let children = 0;
    const child = logger.child.bind(logger);
    logger.child = (bindings) => {
      children += 1;
      return child(bindings);
    };
    const socketLogger = createBaileysLogger(logger, { component: 'baileys' }).child({ class: 'ns' });
    socketLogger.debug({ frame: 1 }, 'below the level');
    socketLogger.child({ msgId: 'm1' }).info('below the level too');
    expect(children, 'nothing written, no winston child').to.equal(0);
    socketLogger.child({ msgId: 'm2' }).warn({ x: 1 }, 'written');
    socketLogger.warn({ y: 2 }, 'written again');
    expect(children).to.equal(2);
    expect(lines.map((line) => [line['message'], line['component'], line['class'], line['msgId']])).to.deep.equal([
      ['written', 'baileys', 'ns', 'm2'],
      ['written again', 'baileys', 'ns', undefined],
    ]);
  });

  it('never logs phone numbers, JIDs or raw bytes', () => {
    const { logger, lines } = makeLogger('debug');
    const adapter = createBaileysLogger(logger).child({ class: 'ns' });
    adapter.warn(
      {
        me: { id: '15550001111:2@s.whatsapp.net', name: 'Alice' },
        attrs: { from: '15550002222@s.whatsapp.net', participant: '15550003333@s.whatsapp.net', type: 'text' },
        detail: 'message to 15550004444@s.whatsapp.net failed, call +15550005555',
        content: Buffer.alloc(100),
        payload: new Uint8Array(40),
        err: Object.assign(new Error('Stream Errored (conflict) 15550006666@s.whatsapp.net'), { output: { statusCode: 440 } }),
      },
      'recv 15550007777@s.whatsapp.net',
    );
    const text = JSON.stringify(lines);
    for (let digit = 1; digit <= 7; digit++) expect(text).to.not.include(`1555000${digit}`);
    expect(text).to.not.include('Alice');
    expect(text).to.include('[40 bytes]');
    expect(text).to.include('440');
    expect(text).to.include('"class":"ns"');
  });

  it("never logs a URL's credentials, not even from a long line cut short, nor from an error message", () => {
    const { logger, lines } = makeLogger('debug');
    const adapter = createBaileysLogger(logger);
    // The credentials straddle the 300-character cut: scrubbed before the cut, they go whole.
    // Both cuts fall inside the credentials, before their @ (279 + 23 characters of user:password).
    const long = `${'x'.repeat(265)} via socks5://pr0xy-user:Pr0xy-S3cret@proxy.example:1080 then more`;
    adapter.warn({ trace: long, err: new Error(`${'y'.repeat(271)} http://pr0xy-user:Pr0xy-S3cret@10.0.0.1:3128`) }, 'connection errored');
    const text = JSON.stringify(lines);
    expect(text).to.not.match(/pr0xy|Pr0xy|S3cr/);
    expect(text).to.include('socks5://[redacted]@proxy.exam');
    expect(text).to.include('http://[redacted]@10.0.0.1');
  });
});
