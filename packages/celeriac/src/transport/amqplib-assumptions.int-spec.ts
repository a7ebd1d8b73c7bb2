import amqplib, { type ChannelModel, type ConfirmChannel, type Message } from 'amqplib';
import { confirmOutcome } from './confirm-outcome.js';
import { isChannelClosed, probeExchange, returnReason } from './publish-failures.js';
import { socketOf, WriteCoalescer } from './write-coalescer.js';
import { RABBITMQ_URL, uniqueName } from '../../spec-support/broker.js';

/**
 * What the transport assumes of amqplib beyond its documented API, held against the installed version
 * and the real broker (no mocks), so that an upgrade which changes one of them turns a test red here
 * rather than changing behaviour silently: the socket field the write coalescer corks, the order of
 * amqplib's socket writes, and the texts and codes the publisher reads its outcomes from.
 */
describe('what Celeriac assumes of the installed amqplib', () => {
  let connection: ChannelModel;

  beforeAll(async () => {
    connection = await amqplib.connect(RABBITMQ_URL);
  });

  afterAll(async () => {
    await connection.close();
  });

  async function confirmChannel(): Promise<ConfirmChannel> {
    const channel = await connection.createConfirmChannel();
    channel.on('error', () => undefined);
    return channel;
  }

  it('exposes the TCP socket as ChannelModel.connection.stream, which the write coalescer corks', () => {
    const socket = socketOf(connection);

    expect(socket).toBeDefined();
    const port = Number(new URL(RABBITMQ_URL).port || 5672);
    expect((socket as unknown as { remotePort?: number }).remotePort).toBe(port);
  });

  it('writes a burst of publishes into the corked socket before the coalescer uncorks it', async () => {
    const channel = await confirmChannel();
    const queue = uniqueName('coalesce');
    await channel.assertQueue(queue, { exclusive: true });
    const socket = socketOf(connection) as unknown as {
      uncork(): void;
      writableLength: number;
      writableCorked: number;
    };
    // The real uncork, watched: what amqplib had written into the socket when the coalescer let it go.
    const uncork = socket.uncork.bind(socket);
    const bufferedAtUncork: number[] = [];
    const spy = vi.spyOn(socket, 'uncork').mockImplementation(() => {
      if (socket.writableCorked === 1) bufferedAtUncork.push(socket.writableLength);
      uncork();
    });
    const coalescer = new WriteCoalescer();
    const confirms: Promise<void>[] = [];
    try {
      for (let i = 0; i < 20; i++) {
        coalescer.hold(connection);
        confirms.push(
          new Promise<void>((resolve, reject) => {
            channel.publish('', queue, Buffer.from(`m${i}`), {}, (err) => {
              if (err) reject(err instanceof Error ? err : new Error(String(err)));
              else resolve();
            });
          }),
        );
        coalescer.flushSoon();
      }
      await Promise.all(confirms);
    } finally {
      spy.mockRestore();
      await channel.close();
    }

    // One uncork for the burst, after amqplib's mux had written all 20 messages' frames into it.
    expect(bufferedAtUncork.length).toBeGreaterThanOrEqual(1);
    expect(bufferedAtUncork[0]).toBeGreaterThan(20 * 2);
  });

  it("fails a confirm whose channel closed with an error that isChannelClosed recognises ('channel closed')", async () => {
    const channel = await confirmChannel();
    const missing = uniqueName('no-exchange');

    // The broker closes the channel (404) instead of confirming: the callback gets amqplib's close error.
    const err = await new Promise<unknown>((resolve) => {
      channel.publish(missing, 'rk', Buffer.from('x'), {}, (e) => {
        resolve(e);
      });
    });

    expect(err).toBeInstanceOf(Error);
    expect(isChannelClosed(err)).toBe(true);
    expect(
      confirmOutcome({
        err,
        returnReason: undefined,
        lastChannelError: undefined,
        contentLength: 1,
      }),
    ).toEqual({ kind: 'interrupted' });
  });

  it("sends basic.return before the confirm of the same message, with replyText 'NO_ROUTE'", async () => {
    const channel = await confirmChannel();
    const events: string[] = [];
    let returned: Message | undefined;
    channel.on('return', (msg: Message) => {
      returned = msg;
      events.push('return');
    });

    await new Promise<void>((resolve, reject) => {
      channel.publish(
        '',
        uniqueName('nowhere'),
        Buffer.from('x'),
        { mandatory: true, correlationId: 'c-1' },
        (err) => {
          events.push('confirm');
          if (err) reject(err instanceof Error ? err : new Error(String(err)));
          else resolve();
        },
      );
    });
    await channel.close();

    expect(events).toEqual(['return', 'confirm']);
    expect(returned && returnReason(returned)).toBe('NO_ROUTE');
    expect(returned?.properties.correlationId).toBe('c-1');
  });

  it('gives a passive declare of a missing exchange the code 404, which probeExchange reads', async () => {
    await expect(probeExchange(connection, uniqueName('absent'))).resolves.toBe(false);
    await expect(probeExchange(connection, 'amq.direct')).resolves.toBe(true);
  });
});
