import { randomInt, randomUUID } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pollUntil, run } from './rabbit-node.js';

/**
 * A small network of Linux network namespaces this process makes, so that a cluster test can cut one
 * RabbitMQ node off from the others (and from the test's clients) on one host, then heal it:
 *
 *   root namespace (the test, its clients)  cp<run> 10.X.0.254
 *        │ veth
 *   <prefix>-hub: bridge br0 ── n1 ── veth ── <prefix>-n1: eth0 10.X.0.1   (node 1)
 *                            ── n2 ── veth ── <prefix>-n2: eth0 10.X.0.2   (node 2) …
 *
 * `cut(i)` sets the hub's end of node i's veth down: the node keeps its address and its loopback (its
 * own CLI calls, run inside its namespace, still reach it), but no packet goes to or from any other
 * node or the test, as when a switch port dies. Nothing is dropped with a reset, so both sides only
 * notice through their own timeouts (Erlang's net_ticktime, AMQP heartbeats).
 *
 * The bridge sits in a namespace of its own, so deleting the namespaces takes every link with it; the
 * one link in the root namespace is deleted by name too. Names carry this process's pid, so
 * `removeStaleLabs()` can tell the leftovers of a dead run from a live run's.
 */

const PREFIX = 'celeriac-netns';
const NAME = new RegExp(`^${PREFIX}-(\\d+)-([0-9a-f]{6})-(hub|n\\d+)`);

function ip(args: readonly string[], timeoutMs = 15_000): Promise<string> {
  return run('ip', args, timeoutMs);
}

export class NetnsLab {
  private destroyed = false;

  private constructor(
    /** `celeriac-netns-<pid>-<run>`: every namespace's (and node directory's) name starts with it. */
    readonly prefix: string,
    /** X of the lab's 10.X.0.0/24. */
    private readonly subnet: number,
    private readonly rootLink: string,
    readonly size: number,
  ) {}

  /** Makes the hub, `size` node namespaces and the root namespace's link; all up and addressed. */
  static async create(size: number): Promise<NetnsLab> {
    const run = randomUUID().replaceAll('-', '').slice(0, 6);
    const subnet = await freeSubnet();
    const lab = new NetnsLab(`${PREFIX}-${process.pid}-${run}`, subnet, `cp${run}`, size);
    try {
      await lab.build();
    } catch (err: unknown) {
      await lab.destroy();
      throw err;
    }
    return lab;
  }

  /** Network namespace of node `i` (1-based). */
  ns(i: number): string {
    return `${this.prefix}-n${i}`;
  }

  /** IPv4 address of node `i` (1-based). */
  ip(i: number): string {
    return `10.${this.subnet}.0.${i}`;
  }

  /** Cuts node `i` off: the hub's end of its link goes down. */
  async cut(i: number): Promise<void> {
    await ip(['-n', this.hub, 'link', 'set', 'dev', `n${i}`, 'down']);
  }

  /** Heals `cut(i)`. */
  async heal(i: number): Promise<void> {
    await ip(['-n', this.hub, 'link', 'set', 'dev', `n${i}`, 'up']);
  }

  /**
   * Kills every process still in the namespaces (the nodes' epmd outlives them), deletes the root
   * link and the namespaces. Safe to call twice and after a half-built `create`.
   */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    const names = [this.hub, ...Array.from({ length: this.size }, (_, i) => this.ns(i + 1))];
    await removeNamespaces(names, this.rootLink);
  }

  private get hub(): string {
    return `${this.prefix}-hub`;
  }

  private async build(): Promise<void> {
    const hub = this.hub;
    await ip(['netns', 'add', hub]);
    await ip(['-n', hub, 'link', 'set', 'dev', 'lo', 'up']);
    await ip(['-n', hub, 'link', 'add', 'br0', 'type', 'bridge']);
    await ip(['-n', hub, 'link', 'set', 'dev', 'br0', 'up']);
    // The test's side: a veth from the root namespace into the hub, on the bridge.
    await ip(['link', 'add', this.rootLink, 'type', 'veth', 'peer', 'name', 'root0', 'netns', hub]);
    await ip(['addr', 'add', `10.${this.subnet}.0.254/24`, 'dev', this.rootLink]);
    await ip(['link', 'set', 'dev', this.rootLink, 'up']);
    await ip(['-n', hub, 'link', 'set', 'dev', 'root0', 'master', 'br0', 'up']);
    for (let i = 1; i <= this.size; i++) {
      const ns = this.ns(i);
      await ip(['netns', 'add', ns]);
      await ip(['-n', ns, 'link', 'set', 'dev', 'lo', 'up']);
      await ip([
        '-n',
        hub,
        'link',
        'add',
        `n${i}`,
        'type',
        'veth',
        'peer',
        'name',
        'eth0',
        'netns',
        ns,
      ]);
      await ip(['-n', hub, 'link', 'set', 'dev', `n${i}`, 'master', 'br0', 'up']);
      await ip(['-n', ns, 'addr', 'add', `${this.ip(i)}/24`, 'dev', 'eth0']);
      await ip(['-n', ns, 'link', 'set', 'dev', 'eth0', 'up']);
      await startEpmd(ns);
    }
  }
}

/**
 * Removes the namespaces, root links and node directories of labs whose process is gone (a run that
 * was killed before its `afterAll`). A live process's lab is left alone.
 */
export async function removeStaleLabs(): Promise<string[]> {
  const stale = new Map<string, { names: string[]; rootLink: string }>();
  for (const line of (await ip(['netns', 'list'])).split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const match = NAME.exec(name);
    if (!match || processAlive(Number(match[1]))) continue;
    const key = `${match[1]}-${match[2]}`;
    const entry = stale.get(key) ?? { names: [], rootLink: `cp${match[2]}` };
    entry.names.push(name);
    stale.set(key, entry);
  }
  for (const { names, rootLink } of stale.values()) await removeNamespaces(names, rootLink);
  for (const dir of readdirSync(tmpdir())) {
    const match = NAME.exec(dir);
    if (match && !processAlive(Number(match[1])))
      rmSync(join(tmpdir(), dir), { recursive: true, force: true });
  }
  return [...stale.keys()];
}

/**
 * Starts the namespace's epmd on all its addresses, before any node or CLI call does: whichever
 * starts it first decides its addresses, and the CLI tools read /etc/rabbitmq/rabbitmq-env.conf, which
 * may pin epmd to 127.0.0.1, where the other nodes can't reach it.
 */
async function startEpmd(ns: string): Promise<void> {
  const env = { ...process.env };
  delete env['ERL_EPMD_ADDRESS'];
  await run('ip', ['netns', 'exec', ns, 'epmd', '-daemon'], 15_000, env);
  await pollUntil(
    `epmd in ${ns}`,
    () => run('ip', ['netns', 'exec', ns, 'epmd', '-names'], 5_000, env).then(() => true),
    15_000,
  );
}

async function removeNamespaces(names: readonly string[], rootLink: string): Promise<void> {
  for (const name of names) {
    const pids = await ip(['netns', 'pids', name]).catch(() => '');
    for (const pid of pids.split('\n').filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone already
      }
    }
  }
  await ip(['link', 'del', 'dev', rootLink]).catch(() => undefined);
  for (const name of names) await ip(['netns', 'del', name]).catch(() => undefined);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** X of a 10.X.0.0/24 no address of the root namespace is in (another lab's, or the host's own). */
async function freeSubnet(): Promise<number> {
  const used = await ip(['-4', '-o', 'addr', 'show']);
  for (let tries = 0; tries < 100; tries++) {
    const x = randomInt(100, 250);
    if (!used.includes(` 10.${x}.`)) return x;
  }
  throw new Error('No free 10.X.0.0/24 for a network namespace lab');
}
