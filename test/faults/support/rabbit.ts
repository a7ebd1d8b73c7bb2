import { execFile } from 'node:child_process';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import amqplib from 'amqplib';
import { RABBITMQ_URL } from '../../support/broker.js';

/**
 * Broker control for the fault suite: rabbitmqctl and friends (root, local RabbitMQ 3.10), vhosts of
 * our own, and restoring every setting a scenario changes.
 */

/** The values this broker runs with (reliability.md §6); `restoreBrokerDefaults()` puts them back. */
export const BROKER_DEFAULTS = {
  vmMemoryHighWatermark: '0.4',
  maxMessageSize: 134_217_728,
  consumerTimeout: 1_800_000,
  diskFreeLimit: '50000000',
} as const;

/** Runs a RabbitMQ CLI tool; rejects with its output on failure. */
export function cli(tool: string, args: readonly string[], timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(tool, [...args], { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${tool} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

export function rabbitmqctl(args: readonly string[], timeoutMs?: number): Promise<string> {
  return cli('rabbitmqctl', ['-q', ...args], timeoutMs);
}

/** A vhost of one scenario: `close_all_connections -p` then hits only this scenario's clients. */
export class ScenarioVhost {
  private constructor(
    readonly name: string,
    readonly url: string,
  ) {}

  static async create(scenario: string): Promise<ScenarioVhost> {
    await deleteStaleVhosts();
    const name = `t-faults-${scenario.toLowerCase()}-${randomUUID().slice(0, 8)}`;
    await rabbitmqctl(['add_vhost', name]);
    await rabbitmqctl(['set_permissions', '-p', name, 'guest', '.*', '.*', '.*']);
    const url = new URL(RABBITMQ_URL);
    url.pathname = `/${encodeURIComponent(name)}`;
    return new ScenarioVhost(name, url.toString());
  }

  closeAllConnections(): Promise<string> {
    return rabbitmqctl(['close_all_connections', '-p', this.name, 'fault injection']);
  }

  /** Deletes the vhost, first bringing the broker back if a scenario left it down. */
  async delete(): Promise<void> {
    if (!(await brokerRunning())) await restoreBrokerDefaults();
    await rabbitmqctl(['delete_vhost', this.name]);
  }
}

let staleChecked = false;

/**
 * Deletes `t-faults-*` vhosts a killed run left behind; once per process, before its first scenario
 * (scenarios run one at a time, so none of them is live then).
 */
async function deleteStaleVhosts(): Promise<void> {
  if (staleChecked) return;
  staleChecked = true;
  const names = (await rabbitmqctl(['list_vhosts', 'name'])).split('\n').map((n) => n.trim());
  for (const name of names.filter((n) => n.startsWith('t-faults-'))) {
    await rabbitmqctl(['delete_vhost', name]).catch(() => undefined);
  }
}

/** True when the node answers and the rabbit app runs. */
export async function brokerRunning(): Promise<boolean> {
  try {
    await cli('rabbitmq-diagnostics', ['-q', 'ping'], 15_000);
    const connection = await amqplib.connect(RABBITMQ_URL, { timeout: 3_000 });
    await connection.close();
    return true;
  } catch {
    return false;
  }
}

export async function stopApp(): Promise<void> {
  await rabbitmqctl(['stop_app']);
}

export async function startApp(): Promise<void> {
  await rabbitmqctl(['start_app']);
  await rabbitmqctl(['await_startup', '--timeout', '120'], 130_000);
}

/**
 * The OS pid of the broker's own Erlang VM, as the node reports it (`OS PID:` in `rabbitmq-diagnostics
 * status`), checked to be a running `beam.smp`. Other Erlang VMs on the host (another node, a CLI tool's
 * own VM while it runs) are never it.
 */
export async function brokerOsPid(): Promise<number> {
  const status = await cli('rabbitmq-diagnostics', ['-q', 'status'], 30_000);
  const match = /^OS PID:\s*(\d+)\s*$/m.exec(status);
  if (!match) throw new Error(`No "OS PID:" line in rabbitmq-diagnostics status:\n${status}`);
  const pid = Number(match[1]);
  const command = (await readFile(`/proc/${pid}/comm`, 'utf8')).trim();
  if (command !== 'beam.smp') {
    throw new Error(
      `The broker's reported pid ${pid} is "${command}", not beam.smp: not signalling it`,
    );
  }
  return pid;
}

/** `kill -9` of the broker's Erlang VM, and of nothing else on the host: no clean close, no flush. */
export async function killBeam(): Promise<void> {
  process.kill(await brokerOsPid(), 'SIGKILL');
}

/** Starts the node after a kill (as the rabbitmq user: the wrapper script switches) and waits for it. */
export async function startServer(): Promise<void> {
  await cli('rabbitmq-server', ['-detached']);
  // await_startup fails at once while the node has not registered with epmd yet: retry until it answers.
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      await rabbitmqctl(['await_startup', '--timeout', '120'], 130_000);
      return;
    } catch (err: unknown) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

export async function setMemoryWatermark(fraction: string): Promise<void> {
  await rabbitmqctl(['set_vm_memory_high_watermark', fraction]);
}

export async function setMaxMessageSize(bytes: number): Promise<void> {
  await rabbitmqctl(['eval', `application:set_env(rabbit, max_message_size, ${bytes}).`]);
}

/**
 * Puts back every setting a scenario may change, and starts the broker if a scenario left it down. Run
 * in `finally`/`afterAll`; safe to run when nothing changed.
 */
export async function restoreBrokerDefaults(): Promise<void> {
  if (!(await brokerRunning())) {
    // A scenario died between a stop and a start: start whatever is missing.
    const nodeUp = await cli('rabbitmq-diagnostics', ['-q', 'ping'], 15_000).then(
      () => true,
      () => false,
    );
    if (nodeUp) await startApp();
    else await startServer();
  }
  await setMemoryWatermark(BROKER_DEFAULTS.vmMemoryHighWatermark);
  await setMaxMessageSize(BROKER_DEFAULTS.maxMessageSize);
  await rabbitmqctl([
    'eval',
    `application:set_env(rabbit, consumer_timeout, ${BROKER_DEFAULTS.consumerTimeout}).`,
  ]);
  await rabbitmqctl(['set_disk_free_limit', BROKER_DEFAULTS.diskFreeLimit]);
}

/** True once the quorum queue has a leader (reliability.md §1 caveat: never crash one without). */
export async function quorumLeaderKnown(vhost: string, queue: string): Promise<boolean> {
  try {
    const out = await cli('rabbitmq-queues', ['-q', 'quorum_status', queue, '--vhost', vhost]);
    return /\bleader\b/.test(out);
  } catch {
    return false;
  }
}

const LOG_DIR = '/var/log/rabbitmq';

/** The broker's log, to check that a scenario caused no unexpected channel errors. */
export class BrokerLog {
  private constructor(
    private readonly path: string,
    private readonly offset: number,
  ) {}

  static async mark(): Promise<BrokerLog> {
    const names = await readdir(LOG_DIR).catch(() => [] as string[]);
    const log = names.find((n) => /^rabbit@[^_]+\.log$/.test(n)) ?? 'rabbit@localhost.log';
    const path = `${LOG_DIR}/${log}`;
    const size = await stat(path).then(
      (s) => s.size,
      () => 0,
    );
    return new BrokerLog(path, size);
  }

  /** Lines written since `mark()` that match `pattern`. */
  async linesSince(pattern: RegExp): Promise<string[]> {
    const file = await open(this.path, 'r').catch(() => undefined);
    if (!file) return [];
    try {
      const { size } = await file.stat();
      // A restarted node may have rotated the file: then read it all.
      const from = size >= this.offset ? this.offset : 0;
      const buffer = Buffer.alloc(size - from);
      await file.read(buffer, 0, buffer.length, from);
      return buffer
        .toString('utf8')
        .split('\n')
        .filter((l) => pattern.test(l));
    } finally {
      await file.close();
    }
  }
}
