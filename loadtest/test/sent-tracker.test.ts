import { expect } from 'chai';
import type { SimulatorClient } from '@fleet/simulator';
import { SentTracker } from '../src/harness/sent-tracker';

interface Logged {
  id: string;
  to: string;
  text: string | null;
  copies: number;
}

/** The two simulator calls the tracker makes, over a fixed log for one account. */
function feedOf(log: Logged[]): SimulatorClient {
  const messages = log.map((m, i) => ({ ...m, seq: i + 1, kind: 'text', timestamp: 0, status: 'server_ack' }));
  return {
    sentTotals: async () => ({ '15550000001': messages.length }),
    sentFeed: async (_phone: string, after = 0) => ({ messages: messages.slice(after), total: messages.length, next: messages.length, truncated: false }),
  } as unknown as SimulatorClient;
}

describe('sent tracker: duplicates versus re-sends', () => {
  it('a message received again under its own id is a re-send, not a duplicate', async () => {
    const tracker = new SentTracker(
      feedOf([
        { id: 'A', to: 'x', text: 'hello 1', copies: 1 },
        { id: 'A', to: 'x', text: 'hello 1', copies: 2 },
        { id: 'B', to: 'x', text: 'hello 2', copies: 1 },
      ]),
    );
    await tracker.drain();
    expect(tracker.resent()).to.deep.equal(['A']);
    expect(tracker.duplicated()).to.deep.equal([]);
    expect(tracker.received('A')).to.equal(2);
  });

  it('the same content under two message ids is a duplicate a recipient would see twice', async () => {
    const tracker = new SentTracker(
      feedOf([
        { id: 'A', to: 'x', text: 'hello 1', copies: 1 },
        { id: 'C', to: 'x', text: 'hello 1', copies: 1 },
        { id: 'D', to: 'y', text: 'hello 1', copies: 1 },
      ]),
    );
    await tracker.drain();
    expect(tracker.duplicated().sort()).to.deep.equal(['A', 'C']);
    expect(tracker.resent()).to.deep.equal([]);
  });
});
