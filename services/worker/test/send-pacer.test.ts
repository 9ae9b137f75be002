import { expect } from 'chai';
import { SendPacer } from '../src/sessions/send-pacer';

describe("SendPacer (a session's send pace)", () => {
  it('allows the burst at once, then refills at the rate, never above the burst', () => {
    const pacer = new SendPacer(5, 20, 0);
    expect(pacer.available(0)).to.equal(20);
    pacer.take(20, 0);
    expect(pacer.available(0)).to.equal(0);
    expect(pacer.waitMs(0)).to.equal(200);
    expect(pacer.available(199)).to.equal(0);
    expect(pacer.available(200)).to.equal(1);
    expect(pacer.available(1_000)).to.equal(5);
    expect(pacer.available(60_000), 'capped at the burst').to.equal(20);
    pacer.take(1, 60_000);
    expect(pacer.waitMs(60_000)).to.equal(0);
  });

  it('paces fractions of a message a second (one every 2 s at 0.5)', () => {
    const pacer = new SendPacer(0.5, 1, 0);
    pacer.take(1, 0);
    expect(pacer.waitMs(0)).to.equal(2_000);
    expect(pacer.available(1_999)).to.equal(0);
    expect(pacer.available(2_000)).to.equal(1);
  });

  it('does not pace at rate 0', () => {
    const pacer = new SendPacer(0, 20, 0);
    pacer.take(1_000, 0);
    expect(pacer.available(0)).to.equal(Number.POSITIVE_INFINITY);
    expect(pacer.waitMs(0)).to.equal(0);
  });
});
