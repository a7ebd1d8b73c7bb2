import amqplib, { type Channel, type ChannelModel } from 'amqplib';
import { DELAY_LEVELS, delayNames } from 'celeriac';
import { sleep } from './clock.js';

/**
 * The orchestrator's own connection: declares each run's queues (exactly as Celeriac declares a queue:
 * durable classic queue, durable direct exchange of the same name, bound with the queue name), checks
 * depths between phases and deletes everything at the end.
 */
export class BrokerAdmin {
  private constructor(
    private readonly connection: ChannelModel,
    private readonly channel: Channel,
  ) {}

  static async open(url: string): Promise<BrokerAdmin> {
    let connection: ChannelModel;
    try {
      connection = await amqplib.connect(url);
    } catch (err: unknown) {
      throw new Error(
        `Cannot reach RabbitMQ (${String(err)}). Start it with ` +
          `'rabbitmq-server -detached && rabbitmqctl await_startup', or set RABBITMQ_URL.`,
      );
    }
    const admin = new BrokerAdmin(connection, await connection.createChannel());
    connection.on('error', () => undefined); // 'close' follows, with the reason
    connection.on('close', (err?: Error) => {
      if (admin.closing) return;
      // A broker restart (another suite's fault test, say) invalidates every number of the run.
      console.error(
        `The broker closed the benchmark's connection (${err?.message ?? 'no reason given'}): ` +
          'was it restarted? The run is void; start it again.',
      );
      process.exit(1);
    });
    return admin;
  }

  private closing = false;

  /** RabbitMQ's version and platform, from the connection's server properties. */
  get server(): { version: string; platform: string } {
    const props = this.connection.connection.serverProperties as Record<string, unknown>;
    return { version: String(props['version']), platform: String(props['platform']) };
  }

  async declare(queue: string): Promise<void> {
    await this.channel.assertExchange(queue, 'direct', { durable: true, autoDelete: false });
    await this.channel.assertQueue(queue, { durable: true, exclusive: false, autoDelete: false });
    await this.channel.bindQueue(queue, queue, queue);
  }

  async depth(queue: string): Promise<number> {
    return (await this.channel.checkQueue(queue)).messageCount;
  }

  /** Waits up to `ms` for `queue` to hold exactly `expected` ready messages; throws if it does not. */
  async expectDepth(queue: string, expected: number, ms = 5_000): Promise<void> {
    const deadline = Date.now() + ms;
    let depth = await this.depth(queue);
    while (depth !== expected && Date.now() < deadline) {
      await sleep(50);
      depth = await this.depth(queue);
    }
    if (depth !== expected) {
      throw new Error(`Queue ${queue} holds ${depth} messages, expected ${expected}`);
    }
  }

  /**
   * Deletes the queue, its dead-letter queue and its exchange, and with `delayPrefix` Celeriac's delay
   * cascade under that prefix (level queues and exchanges, ready queue, its dead letters, out exchange).
   * Missing ones are fine.
   */
  async remove(queue: string, delayPrefix?: string): Promise<void> {
    const queues = [queue, `${queue}.dead`];
    const exchanges = [queue];
    if (delayPrefix !== undefined) {
      const names = delayNames(delayPrefix);
      const levels = Array.from({ length: DELAY_LEVELS }, (_, k) => names.level(k));
      queues.push(...levels, names.ready, names.dead);
      exchanges.push(...levels, names.out);
    }
    for (const q of queues) await this.channel.deleteQueue(q);
    for (const e of exchanges) await this.channel.deleteExchange(e);
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.connection.close();
  }
}
