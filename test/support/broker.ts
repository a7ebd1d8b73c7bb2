import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import amqplib, { type Channel, type ChannelModel, type GetMessage, type Options } from 'amqplib';

/** The broker every suite talks to; CI may point it at a per-run vhost. */
export const RABBITMQ_URL = process.env['RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';

/** A name no other test uses, so suites never share queues or exchanges. */
export function uniqueName(prefix: string): string {
  return `t-${prefix}-${randomUUID().slice(0, 8)}`;
}

/**
 * Publishes straight to a queue on a confirm channel of its own, bypassing Celeriac (poison messages,
 * messages as another client would send them); resolves once the broker confirmed it.
 */
export async function publishRawOn(
  connection: ChannelModel,
  queue: string,
  content: Buffer | string,
  options: Options.Publish = {},
): Promise<void> {
  const ch = await connection.createConfirmChannel();
  try {
    await new Promise<void>((resolve, reject) => {
      ch.sendToQueue(
        queue,
        Buffer.isBuffer(content) ? content : Buffer.from(content),
        options,
        (err) => {
          if (err) reject(err instanceof Error ? err : new Error(String(err)));
          else resolve();
        },
      );
    });
  } finally {
    await ch.close();
  }
}

/**
 * A raw amqplib connection for looking at the broker from outside the library (queue depths, dead
 * letters, raw publishes). Fails with a message that says how to start RabbitMQ.
 */
export class BrokerProbe {
  private constructor(
    private readonly connection: ChannelModel,
    private readonly channel: Channel,
  ) {}

  static async open(): Promise<BrokerProbe> {
    let connection: ChannelModel;
    try {
      connection = await amqplib.connect(RABBITMQ_URL);
    } catch (err: unknown) {
      throw new Error(
        `Cannot reach RabbitMQ at ${RABBITMQ_URL.replace(/:[^:@/]*@/, ':***@')}: ${String(err)}. ` +
          `Start it with 'rabbitmq-server -detached && rabbitmqctl await_startup'.`,
      );
    }
    const channel = await connection.createChannel();
    return new BrokerProbe(connection, channel);
  }

  /** Messages ready in a queue (0 when it does not exist). */
  async depth(queue: string): Promise<number> {
    const ch = await this.connection.createChannel();
    ch.on('error', () => undefined);
    try {
      return (await ch.checkQueue(queue)).messageCount;
    } catch {
      return 0;
    } finally {
      await ch.close().catch(() => undefined);
    }
  }

  /** Consumers attached to a queue (0 when it does not exist). */
  async consumers(queue: string): Promise<number> {
    const ch = await this.connection.createChannel();
    ch.on('error', () => undefined);
    try {
      return (await ch.checkQueue(queue)).consumerCount;
    } catch {
      return 0;
    } finally {
      await ch.close().catch(() => undefined);
    }
  }

  async exists(queue: string): Promise<boolean> {
    return this.passiveCheck((ch) => ch.checkQueue(queue));
  }

  async exchangeExists(exchange: string): Promise<boolean> {
    return this.passiveCheck((ch) => ch.checkExchange(exchange));
  }

  /** A passive declare on a channel of its own: a 404 closes that channel, not the probe's. */
  private async passiveCheck(check: (ch: Channel) => Promise<unknown>): Promise<boolean> {
    const ch = await this.connection.createChannel();
    ch.on('error', () => undefined);
    try {
      await check(ch);
      return true;
    } catch {
      return false;
    } finally {
      await ch.close().catch(() => undefined);
    }
  }

  /** Takes one message (acked) or returns null. */
  async get(queue: string): Promise<GetMessage | null> {
    const msg = await this.channel.get(queue, { noAck: true });
    return msg === false ? null : msg;
  }

  async publishRaw(
    queue: string,
    content: Buffer | string,
    options: Options.Publish = {},
  ): Promise<void> {
    await publishRawOn(this.connection, queue, content, options);
  }

  async declareQueue(
    queue: string,
    options: Options.AssertQueue = { durable: true },
  ): Promise<void> {
    await this.channel.assertQueue(queue, options);
  }

  async declareExchange(exchange: string, type: 'direct' | 'topic' | 'fanout'): Promise<void> {
    await this.channel.assertExchange(exchange, type, { durable: true });
  }

  async deleteQueues(...queues: string[]): Promise<void> {
    for (const q of queues) await this.channel.deleteQueue(q);
  }

  async deleteExchanges(...exchanges: string[]): Promise<void> {
    for (const e of exchanges) await this.channel.deleteExchange(e);
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}

/**
 * This test file's delay cascade: each file declares its own (about 130 ms for 28 quorum queues) so that
 * files never forward each other's delayed tasks, and `cleanup.ts` deletes it after the file.
 */
export const TEST_DELAY_PREFIX = uniqueName('delay');

/** This test file's revocation stream, for the same reason; `cleanup.ts` deletes it too. */
export const TEST_REVOCATION_STREAM = uniqueName('revoked');

/** Deletes a delay cascade: its level queues and exchanges, the ready queue, its dead letters, the out exchange. */
export async function deleteDelayTopology(prefix: string): Promise<void> {
  const connection = await amqplib.connect(RABBITMQ_URL);
  try {
    const names = [
      ...Array.from({ length: 28 }, (_, k) => `${prefix}.L${String(k).padStart(2, '0')}`),
    ];
    const queues = [...names, `${prefix}.ready`, `${prefix}.ready.dead`];
    const exchanges = [...names, `${prefix}.out`];
    for (const q of queues) await ignoreMissing(connection, (ch) => ch.deleteQueue(q));
    for (const e of exchanges) await ignoreMissing(connection, (ch) => ch.deleteExchange(e));
  } finally {
    await connection.close();
  }
}

async function ignoreMissing(
  connection: ChannelModel,
  op: (ch: Channel) => Promise<unknown>,
): Promise<void> {
  const ch = await connection.createChannel();
  ch.on('error', () => undefined);
  try {
    await op(ch);
    await ch.close();
  } catch {
    // already gone (the channel closed with a 404)
  }
}

/**
 * A broker URL that refuses connections: a port on 127.0.0.1 that was free a moment ago. A real outage
 * for one client, without touching the shared broker.
 */
export async function unreachableBrokerUrl(password = 'guest'): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  return `amqp://guest:${password}@127.0.0.1:${port}`;
}
