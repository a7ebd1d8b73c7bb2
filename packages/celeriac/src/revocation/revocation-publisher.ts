import type { BrokerConnection } from '../transport/broker-connection.js';
import { DEFAULT_EXCHANGE } from '../options/queue-declarations.js';
import type { Publisher } from '../transport/publisher.js';
import { UnroutableError } from '../errors/unroutable.error.js';
import { encodeCeleryRevoke } from './celery-revoke-broadcast.js';
import { PIDBOX } from './pidbox-listener.js';
import { encodeRecord, type RevocationRecord, type RevokeRecord } from './revocation-record.js';
import { assertRevocationStream, type RevocationStreamSpec } from './revocation-stream.js';
import { RevocationStreamError } from '../errors/revocation-stream.error.js';

/**
 * Appends records to the revocation stream through the process's confirm channel, so a record is on the
 * broker (written to disk) when `publish` resolves. Declares the stream first, once per process, on a
 * channel of its own: a refused declaration (406, another retention) closes that channel, not the shared
 * publishing one. Also broadcasts revocations as Celery's own revoke command, for Python workers.
 */
export class RevocationPublisher {
  private declared: Promise<void> | undefined;
  /** The Lamport clock kombu sends with each remote-control command. */
  private clock = 0;

  constructor(
    private readonly connection: BrokerConnection,
    private readonly publisher: Publisher,
    readonly spec: RevocationStreamSpec,
    private readonly connectTimeoutMs: number,
  ) {}

  /**
   * @throws RevocationStreamError when the stream cannot be declared
   * @throws PublishError (or a subclass) when the broker does not confirm in time
   */
  async publish(record: RevocationRecord, what: string): Promise<void> {
    await this.ensureStream();
    try {
      await this.publishOnce(record, what);
    } catch (err: unknown) {
      if (!(err instanceof UnroutableError)) throw err;
      // The stream was deleted since this process declared it: declare it again, once.
      this.declared = undefined;
      await this.ensureStream();
      await this.publishOnce(record, what);
    }
  }

  /**
   * Broadcasts a revocation as Celery's `app.control.revoke` does, on the `celery.pidbox` fanout exchange,
   * for the Python Celery workers running now (they do not read the stream). Celeriac workers that read
   * the same stream skip it. Resolves once the broker confirmed it; with no worker listening it is
   * dropped, as in Celery.
   *
   * @throws PublishError (or a subclass) when the broker does not confirm in time
   */
  async broadcastToCelery(record: RevokeRecord, what: string): Promise<void> {
    // Part of the publishing channel's setup, so it is declared again after every reconnect: the exchange
    // is not durable (as kombu declares it; Python workers declare the same, so no 406), and a broker
    // restart removes it.
    await this.publisher.ensureTopology(`exchange:${PIDBOX.exchange}`, (channel) =>
      channel
        .assertExchange(PIDBOX.exchange, 'fanout', { durable: false, autoDelete: false })
        .then(() => undefined),
    );
    this.publisher.markExchangeKnown(PIDBOX.exchange);
    this.clock++;
    await this.publisher.publish({
      exchange: PIDBOX.exchange,
      routingKey: '',
      message: encodeCeleryRevoke(record, this.spec.name, this.clock),
      // No worker listening is no error: Celery's broadcast is dropped then too.
      mandatory: false,
      what: `${what} (Celery broadcast)`,
    });
  }

  private async publishOnce(record: RevocationRecord, what: string): Promise<void> {
    await this.publisher.publish({
      exchange: DEFAULT_EXCHANGE,
      routingKey: this.spec.name,
      message: encodeRecord(record),
      // A stream that is gone must not swallow a revocation: RabbitMQ confirms unroutable messages.
      mandatory: true,
      what,
    });
  }

  private ensureStream(): Promise<void> {
    this.declared ??= this.declare().catch((err: unknown) => {
      this.declared = undefined;
      throw err;
    });
    return this.declared;
  }

  private async declare(): Promise<void> {
    await this.connection.waitForConnect(this.connectTimeoutMs);
    const connection = this.connection.current;
    if (!connection) {
      throw new RevocationStreamError(
        this.spec.name,
        `Cannot declare the revocation stream "${this.spec.name}": not connected to RabbitMQ`,
      );
    }
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    try {
      await assertRevocationStream(channel, this.spec);
    } finally {
      // Already closed by the broker after a refused declaration.
      await channel.close().catch(() => undefined);
    }
  }
}
