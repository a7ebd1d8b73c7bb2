import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A RabbitMQ node this process starts and owns: its own node name, AMQP and distribution ports, data,
 * log, config and plugins files in a temp directory. The machine's own broker (`rabbit@…`, 5672) is
 * shared with other test runs, so nothing here ever addresses it: every CLI call names this node (`-n`),
 * and the node reads no file under /etc/rabbitmq (`RABBITMQ_CONF_ENV_FILE` points at an empty file).
 *
 * The node runs as the `rabbitmq` user (Debian's wrapper scripts switch to it when run as root), so it and
 * the CLI tools share that user's Erlang cookie; the temp directory is handed to that user.
 */

/** Runs a command; rejects with its output on failure or after `timeoutMs`. */
export function run(
  tool: string,
  args: readonly string[],
  timeoutMs = 60_000,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(tool, [...args], { timeout: timeoutMs, env }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${tool} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** True when nothing listens on 127.0.0.1:`port` (nor on the wildcard address). */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => {
      resolve(false);
    });
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => {
      server.close(() => {
        resolve(true);
      });
    });
  });
}

/**
 * The nodes' port range: 56720–57999, or the 1,000 ports from `CELERIAC_CLUSTER_PORT_BASE` on, so that two
 * test runs on one machine (each picks the ports it finds free, then boots a node that binds them a
 * moment later) can be kept in ranges of their own.
 */
const PORT_BASE = Number(process.env['CELERIAC_CLUSTER_PORT_BASE'] ?? '') || 56_720;
const PORT_LAST = process.env['CELERIAC_CLUSTER_PORT_BASE'] ? PORT_BASE + 999 : 57_999;
let nextPort = PORT_BASE + Math.floor(Math.random() * 400);

/** A free port in the range above that no other node of this process was given. */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < 1_000; tries++) {
    const port = nextPort;
    nextPort = nextPort >= PORT_LAST ? PORT_BASE : nextPort + 1;
    if (await portFree(port)) return port;
  }
  throw new Error(`No free port in ${PORT_BASE}–${PORT_LAST}`);
}

/** Polls `probe` every 100 ms until it resolves truthy; fails naming `what` after `timeoutMs`. */
export async function pollUntil<T>(
  what: string,
  probe: () => Promise<T>,
  timeoutMs: number,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
      last = value;
    } catch (err: unknown) {
      last = err instanceof Error ? err.message.split('\n')[0] : err;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}; last: ${String(last)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface NodeSpec {
  /** Short name; the node is `celeriac-<name>-<run>@localhost`. */
  readonly name: string;
  /** Extra rabbitmq.conf lines (TLS listeners, limits). */
  readonly conf?: readonly string[];
  /** Files to write into the node's directory before it starts (certificates), by file name. */
  readonly files?: Readonly<Record<string, string>>;
  /** Ports to reserve for `conf` (a TLS listener), by name; see `extraPorts`. */
  readonly extraPorts?: readonly string[];
  /**
   * A network namespace to run the node (and every CLI call to it) in, with `host` its address there:
   * the node is then `celeriac-<name>-<run>@<host>` (Erlang long names) and listens on `host` only.
   */
  readonly netns?: string;
  readonly host?: string;
}

/** Every node this process started and has not stopped: `stopAllNodes()` stops them on the way out. */
const live = new Set<RabbitNode>();

export class RabbitNode {
  /** Set once `start()` has run: the Erlang VM's OS pid (changes on every restart). */
  private pid = 0;

  private constructor(
    readonly node: string,
    readonly dir: string,
    readonly amqpPort: number,
    readonly distPort: number,
    readonly ports: Readonly<Record<string, number>>,
    /** The address the node listens on and clients reach it at. */
    readonly host = '127.0.0.1',
    readonly netns?: string,
  ) {}

  /** Writes the node's files and starts it; resolves once it accepts AMQP connections. */
  static async start(spec: NodeSpec, run = randomUUID().slice(0, 6)): Promise<RabbitNode> {
    const amqpPort = await freePort();
    const distPort = await freePort();
    const ports: Record<string, number> = {};
    for (const key of spec.extraPorts ?? []) ports[key] = await freePort();
    // A namespaced node's directory is named after its namespace, so a stale-namespace sweep finds it.
    const dir = mkdtempSync(join(tmpdir(), `${spec.netns ?? `celeriac-${spec.name}`}-`));
    const node = new RabbitNode(
      `celeriac-${spec.name}-${run}@${spec.host ?? 'localhost'}`,
      dir,
      amqpPort,
      distPort,
      ports,
      spec.host,
      spec.netns,
    );
    const conf = [
      `listeners.tcp.default = ${node.host}:${amqpPort}`,
      // guest from 127.0.0.1 only would do, but the TLS node's clients come in as other users anyway.
      'loopback_users.guest = false',
      ...(spec.conf ?? []).map((line) => line.replaceAll('{dir}', dir)),
    ];
    for (const [key, port] of Object.entries(ports)) {
      for (let i = 0; i < conf.length; i++)
        conf[i] = conf[i]!.replaceAll(`{port:${key}}`, String(port));
    }
    writeFileSync(join(dir, 'rabbitmq.conf'), `${conf.join('\n')}\n`);
    // No plugins (no management listener to collide with the shared node's 15672).
    writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
    writeFileSync(join(dir, 'rabbitmq-env.conf'), '');
    for (const [file, text] of Object.entries(spec.files ?? {}))
      writeFileSync(join(dir, file), text);
    mkdirSync(join(dir, 'mnesia'));
    mkdirSync(join(dir, 'log'));
    chownTree(dir);
    live.add(node);
    try {
      await node.boot();
    } catch (err: unknown) {
      await node.destroy();
      throw err;
    }
    return node;
  }

  /** amqp:// URL of this node (guest, or `user:password`), with `vhost`. */
  url(vhost = '/', credentials = 'guest:guest'): string {
    return `amqp://${credentials}@${this.host}:${this.amqpPort}/${encodeURIComponent(vhost)}`;
  }

  /** `rabbitmqctl -q -n <this node> …`. */
  ctl(args: readonly string[], timeoutMs = 60_000): Promise<string> {
    return this.cli('rabbitmqctl', args, timeoutMs);
  }

  /** `rabbitmq-queues -q -n <this node> …`. */
  queues(args: readonly string[], timeoutMs = 60_000): Promise<string> {
    return this.cli('rabbitmq-queues', args, timeoutMs);
  }

  /** A CLI tool against this node; inside its namespace, so it reaches the node even when cut off. */
  private cli(tool: string, args: readonly string[], timeoutMs: number): Promise<string> {
    const names = this.netns ? ['--longnames'] : [];
    const command = [tool, '-q', ...names, '-n', this.node, ...args];
    return this.netns
      ? run('ip', ['netns', 'exec', this.netns, ...command], timeoutMs)
      : run(command[0]!, command.slice(1), timeoutMs);
  }

  /** Starts the Erlang VM again after `kill()` (same data directory, so it rejoins its cluster). */
  async boot(): Promise<void> {
    if (this.netns)
      await run(
        'ip',
        ['netns', 'exec', this.netns, 'rabbitmq-server', '-detached'],
        60_000,
        this.env(),
      );
    else await run('rabbitmq-server', ['-detached'], 60_000, this.env());
    // await_startup fails at once until the node has registered with epmd: poll it.
    await pollUntil(
      `${this.node} to start`,
      () => this.ctl(['await_startup', '--timeout', '60'], 70_000).then(() => true),
      120_000,
    );
    this.pid = await this.osPid();
  }

  /** The node's Erlang VM pid, as it reports it, checked to be a `beam.smp`. */
  async osPid(): Promise<number> {
    const status = await this.ctl(['status'], 30_000);
    const match = /^OS PID:\s*(\d+)\s*$/m.exec(status);
    if (!match) throw new Error(`No "OS PID:" line in the status of ${this.node}`);
    const pid = Number(match[1]);
    const command = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    if (command !== 'beam.smp') throw new Error(`pid ${pid} of ${this.node} is ${command}`);
    return pid;
  }

  /** `kill -9` of this node's VM only: no clean close, no flush. */
  async kill(): Promise<void> {
    const pid = this.pid || (await this.osPid());
    process.kill(pid, 'SIGKILL');
    await pollUntil(
      `${this.node} (pid ${pid}) to exit`,
      () => Promise.resolve(!alive(pid)),
      30_000,
    );
    this.pid = 0;
  }

  async stopApp(): Promise<void> {
    await this.ctl(['stop_app']);
  }

  async startApp(): Promise<void> {
    await this.ctl(['start_app'], 120_000);
    await this.ctl(['await_startup', '--timeout', '60'], 70_000);
  }

  /** Stops the node (clean stop, else SIGKILL) and deletes its directory. Safe to call twice. */
  async destroy(): Promise<void> {
    if (!live.has(this)) return;
    live.delete(this);
    await this.ctl(['stop'], 30_000).catch(() => undefined);
    const pid = this.pid || readPidFile(join(this.dir, 'pid'));
    if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }

  private env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      RABBITMQ_NODENAME: this.node,
      RABBITMQ_NODE_PORT: String(this.amqpPort),
      RABBITMQ_DIST_PORT: String(this.distPort),
      RABBITMQ_MNESIA_BASE: join(this.dir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(this.dir, 'log'),
      RABBITMQ_CONFIG_FILE: join(this.dir, 'rabbitmq.conf'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(this.dir, 'enabled_plugins'),
      RABBITMQ_CONF_ENV_FILE: join(this.dir, 'rabbitmq-env.conf'),
      RABBITMQ_PID_FILE: join(this.dir, 'pid'),
      // Keep the distribution listener on loopback, like the machine's own node (or on the node's
      // address in its namespace).
      ERL_FLAGS: `-kernel inet_dist_use_interface {${this.host.replaceAll('.', ',')}}`,
      ...(this.netns ? { RABBITMQ_USE_LONGNAME: 'true' } : {}),
    };
  }
}

/** Stops every node this process started; for `afterAll` and exit paths. */
export async function stopAllNodes(): Promise<void> {
  await Promise.all([...live].map((node) => node.destroy()));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'beam.smp';
  } catch {
    return false;
  }
}

function readPidFile(path: string): number {
  try {
    return Number(readFileSync(path, 'utf8').trim()) || 0;
  } catch {
    return 0;
  }
}

/** Hands the node's directory to the `rabbitmq` user the wrapper scripts run the node as. */
function chownTree(dir: string): void {
  const passwd = readFileSync('/etc/passwd', 'utf8');
  const entry = passwd.split('\n').find((line) => line.startsWith('rabbitmq:'));
  if (!entry)
    throw new Error('No rabbitmq user: the cluster tests need the Debian rabbitmq-server package');
  const [, , uid, gid] = entry.split(':');
  chownSync(dir, Number(uid), Number(gid));
  for (const name of readdirSync(dir)) chownSync(join(dir, name), Number(uid), Number(gid));
}
