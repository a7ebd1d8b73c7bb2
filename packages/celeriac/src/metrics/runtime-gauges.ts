import { Gauge, type Registry } from 'prom-client';
import type { TaskQueueRuntime } from '../runtime/task-queue.runtime.js';
import type { QueueStats } from './queue-stats.js';

/** What the gauges read when scraped. */
export interface RuntimeGaugeSources {
  readonly prefix: string;
  readonly registers: Registry[];
  /** The runtime attached now, or null: the gauges then report nothing. */
  readonly runtime: () => TaskQueueRuntime | null;
  readonly queueStats: QueueStats;
}

const ROLES = ['publish', 'consume'] as const;

/**
 * Gauges that read the process's state when Prometheus scrapes, never on the delivery path: connection
 * state and `blocked`, pending publishes, the worker's consumers, prefetch and tasks in flight, and the
 * depth and consumer count of the queues it consumes (read from the broker at most every few seconds).
 */
export function runtimeGauges(sources: RuntimeGaugeSources): void {
  const { prefix, registers, runtime } = sources;
  new Gauge({
    name: `${prefix}connection_up`,
    help: '1 while the connection to the broker is open, 0 while it reconnects.',
    labelNames: ['connection'],
    registers,
    collect() {
      this.reset();
      const connections = runtime()?.connections.health();
      for (const role of ROLES) {
        const c = connections?.[role];
        if (c) this.set({ connection: role }, c.connected ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: `${prefix}connection_blocked`,
    help: '1 while RabbitMQ blocks the connection (a memory or disk alarm).',
    labelNames: ['connection'],
    registers,
    collect() {
      this.reset();
      const connections = runtime()?.connections.health();
      for (const role of ROLES) {
        const c = connections?.[role];
        if (c) this.set({ connection: role }, c.blocked === null ? 0 : 1);
      }
    },
  });
  new Gauge({
    name: `${prefix}publishes_pending`,
    help: 'Publishes waiting for a connection, an alarm to clear, or their confirm.',
    registers,
    collect() {
      this.set(runtime()?.health().publisher?.pending ?? 0);
    },
  });
  new Gauge({
    name: `${prefix}worker_consuming`,
    help: '1 while the worker has a consumer attached on the queue.',
    labelNames: ['queue'],
    registers,
    collect() {
      this.reset();
      for (const q of runtime()?.health().worker?.queues ?? []) {
        this.set({ queue: q.queue }, q.consuming ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: `${prefix}worker_prefetch`,
    help: 'Prefetch (unacked deliveries the broker may push) of the worker consumer of the queue.',
    labelNames: ['queue'],
    registers,
    collect() {
      this.reset();
      for (const q of runtime()?.health().worker?.queues ?? []) {
        this.set({ queue: q.queue }, q.prefetch);
      }
    },
  });
  new Gauge({
    name: `${prefix}worker_tasks_in_flight`,
    help: 'Deliveries the worker holds: running, or waiting for an eta, a slot or a rate limit.',
    registers,
    collect() {
      this.set(runtime()?.health().worker?.inFlight ?? 0);
    },
  });
  queueGauges(sources);
}

/** Depth and consumers of the consumed queues, from one broker check shared by both gauges. */
function queueGauges({ prefix, registers, runtime, queueStats }: RuntimeGaugeSources): void {
  const consumed = (): string[] =>
    runtime()
      ?.health()
      .worker?.queues.map((q) => q.queue) ?? [];
  new Gauge({
    name: `${prefix}queue_messages`,
    help: 'Messages ready in a queue the worker consumes (read from the broker every few seconds).',
    labelNames: ['queue'],
    registers,
    async collect() {
      this.reset();
      for (const c of await queueStats.read(consumed())) this.set({ queue: c.queue }, c.messages);
    },
  });
  new Gauge({
    name: `${prefix}queue_consumers`,
    help: 'Consumers of a queue the worker consumes, all workers together (read every few seconds).',
    labelNames: ['queue'],
    registers,
    async collect() {
      this.reset();
      for (const c of await queueStats.read(consumed())) this.set({ queue: c.queue }, c.consumers);
    },
  });
}
