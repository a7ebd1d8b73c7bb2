import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { errorMessage } from '../errors/error-text.js';
import { redactUrl } from '../errors/redact-url.js';

/**
 * One ioredis connection and what went wrong with it last, for error messages. ioredis reconnects by
 * itself and queues commands while it does; `maxRetriesPerRequest` bounds how long one command waits, so a
 * worker gives its task back to the broker instead of hanging when Redis stays away.
 */
export class RedisConnection {
  private readonly logger = new Logger(RedisConnection.name);
  /** @internal The ioredis client, for the result store and backend; kept out of the package's types. */
  readonly client: Redis;
  private lastError: string | null = null;
  private everReady = false;

  constructor(
    readonly url: string,
    readonly role: string,
  ) {
    this.client = new Redis(url, {
      lazyConnect: true,
      maxRetriesPerRequest: 20,
      connectionName: `celeriac-${role}`,
      // Back off up to 2 s between attempts, forever: a restarted Redis is picked up again.
      retryStrategy: (times) => Math.min(times * 100, 2_000),
    });
    this.client.on('error', (err: unknown) => {
      const text = errorMessage(err);
      if (text !== this.lastError) {
        this.logger.warn(`Redis ${role} connection (${redactUrl(url)}): ${text}`);
      }
      this.lastError = text;
    });
    this.client.on('ready', () => {
      this.everReady = true;
      this.lastError = null;
    });
  }

  /** True while commands go straight to Redis. */
  get ready(): boolean {
    return this.client.status === 'ready';
  }

  /** Says where Redis is and why it cannot be reached, for `ResultUnavailableError`. */
  describeOutage(): string {
    const where = redactUrl(this.url);
    const why = this.lastError ?? (this.everReady ? 'connection lost' : 'not connected yet');
    return `Redis at ${where} is unreachable (${why})`;
  }

  connect(): Promise<void> {
    if (this.client.status !== 'wait') return Promise.resolve();
    return this.client.connect();
  }

  async close(): Promise<void> {
    if (this.client.status === 'end') return;
    // QUIT would wait in the offline queue for a Redis that is away: drop the connection instead.
    if (this.client.status !== 'ready') {
      this.client.disconnect();
      return;
    }
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }
}
