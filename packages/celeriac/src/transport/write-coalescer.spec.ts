import { EventEmitter } from 'node:events';
import type { ChannelModel } from 'amqplib';
import { WriteCoalescer } from './write-coalescer.js';

/** A socket that records what reaches the "kernel": one entry per flush of corked writes. */
class FakeSocket extends EventEmitter {
  readonly flushed: string[][] = [];
  private corks = 0;
  private buffered: string[] = [];
  cork(): void {
    this.corks++;
  }
  uncork(): void {
    this.corks--;
    if (this.corks === 0 && this.buffered.length > 0) {
      this.flushed.push(this.buffered);
      this.buffered = [];
    }
  }
  write(chunk: string): void {
    if (this.corks > 0) this.buffered.push(chunk);
    else this.flushed.push([chunk]);
  }
  get corked(): number {
    return this.corks;
  }
}

function modelOf(socket: FakeSocket): ChannelModel {
  return { connection: { stream: socket } } as unknown as ChannelModel;
}

/** What amqplib does on publish: 'readable' on the next tick, then its mux writes in a setImmediate. */
function amqplibPublish(socket: FakeSocket, chunk: string, mux: { pending: string[] }): void {
  mux.pending.push(chunk);
  process.nextTick(() => {
    setImmediate(() => {
      for (const c of mux.pending.splice(0)) socket.write(c);
    });
  });
}

describe('WriteCoalescer', () => {
  it('sends the writes of one burst of publishes to the socket as one', async () => {
    const socket = new FakeSocket();
    const coalescer = new WriteCoalescer();
    const mux = { pending: [] as string[] };
    for (const chunk of ['m1', 'm2', 'm3']) {
      coalescer.hold(modelOf(socket));
      amqplibPublish(socket, chunk, mux);
      coalescer.flushSoon();
    }
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(socket.flushed).toEqual([['m1', 'm2', 'm3']]);
    expect(socket.corked).toBe(0);
  });

  it('leaves nothing corked after a burst, and corks again for the next one', async () => {
    const socket = new FakeSocket();
    const coalescer = new WriteCoalescer();
    const mux = { pending: [] as string[] };
    for (const burst of [['a'], ['b', 'c']]) {
      for (const chunk of burst) {
        coalescer.hold(modelOf(socket));
        amqplibPublish(socket, chunk, mux);
        coalescer.flushSoon();
      }
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      expect(socket.corked).toBe(0);
    }
    expect(socket.flushed).toEqual([['a'], ['b', 'c']]);
  });

  it('sends what the mux writes on a drain of the socket as one write', async () => {
    const socket = new FakeSocket();
    const backlog = ['m4', 'm5', 'm6'];
    // amqplib's mux listens for 'drain' from the moment the connection opens.
    socket.on('drain', () => {
      for (const c of backlog.splice(0)) socket.write(c);
    });
    const coalescer = new WriteCoalescer();
    coalescer.hold(modelOf(socket));
    coalescer.flushSoon();
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    socket.emit('drain');
    expect(socket.flushed).toEqual([['m4', 'm5', 'm6']]);
    expect(socket.corked).toBe(0);
  });

  it('does nothing without a socket, and flush() uncorks at once', () => {
    const coalescer = new WriteCoalescer();
    coalescer.hold(undefined);
    coalescer.flushSoon();
    const socket = new FakeSocket();
    coalescer.hold(modelOf(socket));
    expect(socket.corked).toBe(1);
    coalescer.flush();
    expect(socket.corked).toBe(0);
  });
});
