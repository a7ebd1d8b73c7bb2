/**
 * The systems `npm run bench:peers` runs, in the order they run in and are reported. The first three are
 * `npm run bench`'s own agents (raw amqplib and Celeriac, resolving the workspace's packages); the others
 * are the peers' agents (`peer-agent.ts`).
 */
export const BENCH_SYSTEMS = ['raw-min', 'raw-bare', 'raw', 'celeriac'] as const;
export const PEER_SYSTEMS = [
  'golevelup',
  'golevelup-celery',
  'bullmq',
  'nest-rmq',
  'celery',
] as const;

export type BenchSystem = (typeof BENCH_SYSTEMS)[number];
export type PeerSystem = (typeof PEER_SYSTEMS)[number];
export type SystemId = BenchSystem | PeerSystem;

export const SYSTEMS: readonly SystemId[] = [...BENCH_SYSTEMS, ...PEER_SYSTEMS];

/** Where a system keeps its tasks: whose CPU is "the broker's" for it. */
export type Backend = 'rabbitmq' | 'redis';

export interface SystemInfo {
  readonly label: string;
  readonly backend: Backend;
  /** The key of `Celeriac ÷ this` in bench/results/latest.json's `peers` (none for Celeriac itself). */
  readonly ratioKey?: string;
}

export const SYSTEM_INFO: Readonly<Record<SystemId, SystemInfo>> = {
  'raw-min': {
    label: "raw amqplib, golevelup's message (`{ sentAt }`, not mandatory)",
    backend: 'rabbitmq',
    ratioKey: 'Min',
  },
  'raw-bare': {
    label: 'raw amqplib, bare JSON body, no headers (ceiling)',
    backend: 'rabbitmq',
    ratioKey: 'Bare',
  },
  raw: { label: "raw amqplib, Celeriac's exact messages", backend: 'rabbitmq', ratioKey: 'Raw' },
  celeriac: {
    label: 'Celeriac (`TaskClient.send(…, { ignoreResult: true })` → `@Task`)',
    backend: 'rabbitmq',
  },
  golevelup: { label: '@golevelup/nestjs-rabbitmq', backend: 'rabbitmq', ratioKey: 'Golevelup' },
  'golevelup-celery': {
    label: "@golevelup/nestjs-rabbitmq, Celeriac's exact messages",
    backend: 'rabbitmq',
    ratioKey: 'GolevelupSame',
  },
  bullmq: { label: 'BullMQ (Redis, in memory)', backend: 'redis', ratioKey: 'Bullmq' },
  'nest-rmq': { label: "Nest's RMQ transport", backend: 'rabbitmq', ratioKey: 'NestRmq' },
  celery: {
    label: 'Python Celery 5.2.6, solo pool, confirm_publish',
    backend: 'rabbitmq',
    ratioKey: 'Celery',
  },
};

export function isPeerSystem(name: string | undefined): name is PeerSystem {
  return (PEER_SYSTEMS as readonly (string | undefined)[]).includes(name);
}

export function isBenchSystem(name: string | undefined): name is BenchSystem {
  return (BENCH_SYSTEMS as readonly (string | undefined)[]).includes(name);
}

export function isSystem(name: string): name is SystemId {
  return isPeerSystem(name) || isBenchSystem(name);
}
