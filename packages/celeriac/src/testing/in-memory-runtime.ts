import { Inject, Injectable } from '@nestjs/common';
import { toError } from '../errors/error-text.js';
import type { ResolvedTaskQueueOptions } from '../options/task-queue-options.js';
import { RESOLVED_OPTIONS } from '../options/task-queue.constants.js';
import { RpcResultBackend } from '../results/rpc-result-backend.js';
import { TaskQueueRuntime } from '../runtime/task-queue.runtime.js';
import type { Publisher } from '../transport/publisher.js';
import type { PublishRequest } from '../transport/publish-request.js';
import type { RevocationPublisher } from '../revocation/revocation-publisher.js';
import { InMemoryBroker } from './in-memory-broker.js';
import { InMemoryRevocations } from './in-memory-revocations.js';

/** The publisher's surface that the client, the task publisher and the worker's reporter call. */
class InMemoryPublisher {
  constructor(private readonly broker: InMemoryBroker) {}

  /** Queues exist in memory as soon as something is published to them; nothing to declare. */
  ensureTopology(): Promise<void> {
    return Promise.resolve();
  }

  markExchangeKnown(): void {
    // Exchanges are known from the options.
  }

  /** Confirmed at once, or refused with `UnroutableError` as a returned mandatory publish is. */
  publish(request: PublishRequest): Promise<void> {
    try {
      this.broker.publish(request);
      return Promise.resolve();
    } catch (err: unknown) {
      return Promise.reject(toError(err));
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** The rpc result backend, reading its reply queue from memory instead of a channel. */
class InMemoryResults extends RpcResultBackend {
  constructor(
    private readonly broker: InMemoryBroker,
    options: ResolvedTaskQueueOptions,
  ) {
    super(
      undefined as never,
      options.maxPayloadBytes,
      options.results.maxTracked,
      options.results.timeoutMs,
    );
    broker.listen(this.replyQueue, (message) => {
      this.receive(message);
    });
  }

  override start(): Promise<void> {
    return Promise.resolve();
  }

  override close(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * `TaskQueueRuntime` with the broker in memory: the client's publisher and its result backend are the
 * in-memory ones, so `TaskClient` runs unchanged. No connection is ever opened.
 */
@Injectable()
export class InMemoryRuntime extends TaskQueueRuntime {
  readonly broker: InMemoryBroker;
  private readonly memoryPublisher: InMemoryPublisher;
  private readonly memoryResults: InMemoryResults;
  readonly revocations: InMemoryRevocations;

  constructor(@Inject(RESOLVED_OPTIONS) options: ResolvedTaskQueueOptions) {
    super(options);
    this.broker = new InMemoryBroker(options.queues);
    this.memoryPublisher = new InMemoryPublisher(this.broker);
    this.memoryResults = new InMemoryResults(this.broker, options);
    this.revocations = new InMemoryRevocations(options.revocation.retentionMs);
  }

  override get publisher(): Publisher {
    // The library's publisher is a class over a channel; this one keeps its public surface.
    return this.memoryPublisher as unknown as Publisher;
  }

  override get results(): RpcResultBackend {
    return this.memoryResults;
  }

  /** Results travel the in-memory rpc way: no Redis in test mode. */
  override get resultStore(): null {
    return null;
  }

  override revocationPublisher(): RevocationPublisher {
    // The stream's class declares it over a connection; this one keeps the surface the client calls.
    return this.revocations as unknown as RevocationPublisher;
  }

  override async onApplicationShutdown(): Promise<void> {
    // Nothing opened.
  }
}
