import type { BrokerConnection } from '../broker/broker-connection.js';
import { DEFAULT_EXCHANGE } from '../broker/topology.js';
import type { Publisher } from '../client/publisher.js';
import { UnroutableError } from '../errors/unroutable.error.js';
import { encodeRecord, type RevocationRecord } from './revocation-record.js';
import { assertRevocationStream, type RevocationStreamSpec } from './revocation-stream.js';
import { RevocationStreamError } from './revocation-stream.error.js';

/**
 * Appends records to the revocation stream through the process's confirm channel, so a record is on the
 * broker (written to disk) when `publish` resolves. Declares the stream first, once per process, on a
 * channel of its own: a refused declaration (406, another retention) closes that channel, not the shared
 * publishing one.
 */
export class RevocationPublisher {
  private declared: Promise<void> | undefined;

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
