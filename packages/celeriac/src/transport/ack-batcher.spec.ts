import type { ConsumeMessage } from 'amqplib';
import { AckBatcher } from './ack-batcher.js';

function delivery(tag: number): ConsumeMessage {
  return { fields: { deliveryTag: tag } } as ConsumeMessage;
}

class RecordingChannel {
  readonly calls: string[] = [];
  ack(message: ConsumeMessage, allUpTo?: boolean): void {
    this.calls.push(`ack ${message.fields.deliveryTag}${allUpTo ? ' multiple' : ''}`);
  }
  nack(message: ConsumeMessage, _allUpTo?: boolean, requeue?: boolean): void {
    this.calls.push(`nack ${message.fields.deliveryTag}${requeue ? ' requeue' : ''}`);
  }
}

describe('AckBatcher', () => {
  it('acks a finished run at the head with one multiple ack', () => {
    const channel = new RecordingChannel();
    const batcher = new AckBatcher(channel);
    const d = [1, 2, 3].map(delivery);
    d.forEach((m) => {
      batcher.track(m);
    });
    d.forEach((m) => {
      batcher.ack(m);
    });
    batcher.flush();
    expect(channel.calls).toEqual(['ack 3 multiple']);
  });

  it('brackets each flush with the socket writes hold, so its ack frames leave in one write', () => {
    const channel = new RecordingChannel();
    const writes = {
      hold: () => channel.calls.push('hold'),
      flushSoon: () => channel.calls.push('flushSoon'),
    };
    const batcher = new AckBatcher(channel, writes);
    const [a, b, c] = [1, 2, 3].map(delivery);
    [a, b, c].forEach((m) => {
      batcher.track(m!);
    });
    batcher.ack(c!);
    batcher.ack(a!);
    batcher.flush();
    expect(channel.calls).toEqual(['hold', 'ack 3', 'ack 1', 'flushSoon']);
  });

  it('acks one behind an unfinished delivery on its own, so it frees its prefetch slot', () => {
    const channel = new RecordingChannel();
    const batcher = new AckBatcher(channel);
    const [a, b, c] = [1, 2, 3].map(delivery);
    [a, b, c].forEach((m) => {
      batcher.track(m!);
    });
    batcher.ack(c!);
    batcher.ack(a!);
    batcher.flush();
    expect(channel.calls).toEqual(['ack 3', 'ack 1']);
    batcher.ack(b!);
    batcher.flush();
    expect(channel.calls).toEqual(['ack 3', 'ack 1', 'ack 2']);
  });

  it('never covers an unfinished or requeued delivery with a multiple ack', () => {
    const channel = new RecordingChannel();
    const batcher = new AckBatcher(channel);
    const [a, b, c, d] = [1, 2, 3, 4].map(delivery);
    [a, b, c, d].forEach((m) => {
      batcher.track(m!);
    });
    batcher.requeue(b!);
    batcher.ack(a!);
    batcher.ack(c!);
    batcher.flush();
    // 1 and 3 are the finished head once 2 is settled by its nack; 4 still runs.
    expect(channel.calls).toEqual(['nack 2 requeue', 'ack 3 multiple']);
    batcher.ack(d!);
    batcher.flush();
    expect(channel.calls.at(-1)).toBe('ack 4');
  });

  it('settles each delivery once, and flushes by itself on the next turn', async () => {
    const channel = new RecordingChannel();
    const batcher = new AckBatcher(channel);
    const m = delivery(7);
    batcher.track(m);
    batcher.ack(m);
    batcher.ack(m);
    batcher.requeue(m);
    await new Promise((resolve) => setImmediate(resolve));
    expect(channel.calls).toEqual(['ack 7']);
  });

  it('flushes in the turn the acks came in (next tick), not a turn later', async () => {
    const channel = new RecordingChannel();
    const batcher = new AckBatcher(channel);
    const m = delivery(1);
    batcher.track(m);
    batcher.ack(m);
    expect(channel.calls).toEqual([]);
    // Queued after the batcher's own tick: it runs once that flushed, before any timer or I/O.
    await new Promise((resolve) => {
      process.nextTick(resolve);
    });
    expect(channel.calls).toEqual(['ack 1']);
  });

  it('once its channel closed, it settles nothing: the broker requeued those deliveries', async () => {
    const channel = new RecordingChannel();
    const batcher = new AckBatcher(channel);
    const [a, b] = [delivery(1), delivery(2)];
    batcher.track(a);
    batcher.track(b);
    batcher.markClosed();
    expect(batcher.closed).toBe(true);
    batcher.ack(a);
    batcher.requeue(b);
    batcher.flush();
    await new Promise((resolve) => setImmediate(resolve));
    expect(channel.calls).toEqual([]);
  });

  it('a channel that closed under it (ack or nack throws) does not throw into the worker', () => {
    const throwing = {
      ack: (): void => {
        throw new Error('Channel closed');
      },
      nack: (): void => {
        throw new Error('Channel closed');
      },
    };
    const batcher = new AckBatcher(throwing);
    const [a, b, c] = [delivery(1), delivery(2), delivery(3)];
    for (const m of [a, b, c]) batcher.track(m);
    batcher.ack(c); // behind an unfinished one: acked singly
    expect(() => {
      batcher.requeue(b);
      batcher.flush();
      batcher.ack(a);
      batcher.flush();
    }).not.toThrow();
  });
});
