import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * Who used the CPUs during a phase: this benchmark (the orchestrator, its live agents and the agents it
 * has reaped), the RabbitMQ broker (beam.smp), and everything else on the machine ("foreign" load, e.g.
 * another test suite). Read from /proc; on other systems every figure is NaN.
 */
export interface LoadSnapshot {
  readonly at: number;
  /** Non-idle CPU seconds of the whole machine (user, nice, system, irq, softirq). */
  readonly machine: number;
  /** CPU seconds the hypervisor gave to other guests while we wanted to run. */
  readonly steal: number;
  readonly ours: number;
  readonly broker: number;
}

export interface LoadShare {
  readonly seconds: number;
  /** CPU seconds the broker used over the interval. */
  readonly brokerCpuSeconds: number;
  /** Average cores busy with each, over the interval. */
  readonly oursCores: number;
  readonly brokerCores: number;
  readonly foreignCores: number;
  readonly stealCores: number;
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** utime + stime (+ cutime + cstime with `children`) of a process, in seconds (0 once it is gone). */
export function processSeconds(pid: number, children: boolean): number {
  const stat = read(`/proc/${pid}/stat`);
  if (stat === null) return 0;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the command: state is field 3, utime 14, stime 15, cutime 16, cstime 17 (1-based in proc(5)).
  const f = (n: number): number => Number(fields[n - 3]);
  const ticks = f(14) + f(15) + (children ? f(16) + f(17) : 0);
  return ticks / TICKS_PER_SECOND;
}

/**
 * The server process named `comm` listening on `port`: the broker is the beam.smp on the AMQP port (another
 * RabbitMQ node on the machine counts as foreign load), or the only beam.smp when the socket cannot be
 * matched. Null off Linux or when there is none.
 */
export function findListener(comm: string, port: number): number | null {
  if (read('/proc/stat') === null) return null;
  const candidates = readdirSync('/proc').filter(
    (entry) => /^\d+$/.test(entry) && read(`/proc/${entry}/comm`)?.trim() === comm,
  );
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set(
    (read('/proc/net/tcp') ?? '')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((f) => f[1]?.endsWith(`:${portHex}`) && f[3] === '0A') // 0A: LISTEN
      .map((f) => `socket:[${f[9]}]`),
  );
  for (const pid of candidates) {
    try {
      const fds = readdirSync(`/proc/${pid}/fd`);
      if (fds.some((fd) => inodes.has(readlinkSafe(`/proc/${pid}/fd/${fd}`)))) return Number(pid);
    } catch {
      // not ours to read
    }
  }
  return candidates.length === 1 ? Number(candidates[0]) : null;
}

function readlinkSafe(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}

export class MachineLoad {
  private readonly broker: number | null;

  constructor(
    private readonly livePids: () => readonly number[],
    brokerPort: number,
  ) {
    this.broker = findListener('beam.smp', brokerPort);
  }

  snapshot(): LoadSnapshot {
    const at = Date.now();
    const cpu = read('/proc/stat')?.split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number);
    if (!cpu) return { at, machine: NaN, steal: NaN, ours: NaN, broker: NaN };
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = cpu;
    const ours =
      processSeconds(process.pid, true) +
      this.livePids().reduce((s, pid) => s + processSeconds(pid, false), 0);
    return {
      at,
      machine: (user + nice + system + irq + softirq) / TICKS_PER_SECOND,
      steal: steal / TICKS_PER_SECOND,
      ours,
      broker: this.broker === null ? NaN : processSeconds(this.broker, false),
    };
  }

  static share(from: LoadSnapshot, to: LoadSnapshot): LoadShare {
    const secs = (to.at - from.at) / 1000;
    const ours = to.ours - from.ours;
    const broker = to.broker - from.broker;
    const r = (x: number): number => Math.round((x / secs) * 100) / 100;
    return {
      seconds: Math.round(secs * 1000) / 1000,
      brokerCpuSeconds: Math.round(broker * 100) / 100,
      oursCores: r(ours),
      brokerCores: r(broker),
      foreignCores: r(Math.max(0, to.machine - from.machine - ours - broker)),
      stealCores: r(to.steal - from.steal),
    };
  }
}
