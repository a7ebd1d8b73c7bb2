import { readdirSync, readFileSync } from 'node:fs';
import { findListener, MachineLoad, processSeconds, type LoadSnapshot } from '../machine-load.js';

/**
 * Who used the CPUs over one phase: the benchmark's processes, RabbitMQ (beam.smp), Redis (redis-server,
 * the BullMQ rows' broker) and everything else. From /proc; NaN elsewhere.
 */
export interface PhaseCpu {
  readonly seconds: number;
  /** CPU seconds of beam.smp and of redis-server over the phase. */
  readonly rabbitmqCpuSeconds: number;
  readonly redisCpuSeconds: number;
  /** Average cores busy over the phase. */
  readonly oursCores: number;
  readonly rabbitmqCores: number;
  readonly redisCores: number;
  readonly foreignCores: number;
  readonly stealCores: number;
}

interface MeterSnapshot {
  readonly load: LoadSnapshot;
  readonly redis: number;
}

/** Children of the given processes, and theirs (Python Celery runs under its Node agent). */
function withDescendants(pids: readonly number[]): number[] {
  let parents: [number, number][];
  try {
    parents = readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .flatMap((entry): [number, number][] => {
        try {
          const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
          const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
          return [[Number(entry), ppid]];
        } catch {
          return [];
        }
      });
  } catch {
    return [...pids];
  }
  const all = new Set(pids);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, ppid] of parents) {
      if (all.has(ppid) && !all.has(pid)) {
        all.add(pid);
        grew = true;
      }
    }
  }
  return [...all];
}

export class CpuMeter {
  private readonly load: MachineLoad;
  private readonly redis: number | null;

  constructor(livePids: () => readonly number[], amqpPort: number, redisPort: number) {
    this.load = new MachineLoad(() => withDescendants(livePids()), amqpPort);
    this.redis = findListener('redis-server', redisPort);
  }

  snapshot(): MeterSnapshot {
    return {
      load: this.load.snapshot(),
      redis: this.redis === null ? Number.NaN : processSeconds(this.redis, false),
    };
  }

  static between(from: MeterSnapshot, to: MeterSnapshot): PhaseCpu {
    const share = MachineLoad.share(from.load, to.load);
    const redis = to.redis - from.redis;
    const redisCores = Math.round((redis / share.seconds) * 100) / 100;
    return {
      seconds: share.seconds,
      rabbitmqCpuSeconds: share.brokerCpuSeconds,
      redisCpuSeconds: Math.round(redis * 100) / 100,
      oursCores: share.oursCores,
      rabbitmqCores: share.brokerCores,
      redisCores,
      // MachineLoad counts Redis as "other"; here it has a column of its own.
      foreignCores: Math.max(0, Math.round((share.foreignCores - (redisCores || 0)) * 100) / 100),
      stealCores: share.stealCores,
    };
  }
}
