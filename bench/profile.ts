import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AgentProcess } from './agent-process.js';
import { BrokerAdmin } from './broker-admin.js';
import { delayPrefixOf } from './celeriac.js';
import { isCeleriac, type ConsumerStats, type Impl, type ProducerStats } from './protocol.js';

/** The parts of a V8 `.cpuprofile` (what `node --cpu-prof` writes) that the summary reads. */
interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: {
      readonly functionName: string;
      readonly url: string;
      readonly lineNumber: number;
    };
    readonly children?: readonly number[];
  }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const PROFILED_TASKS = 50_000;
const WARMUP_TASKS = 20_000;

/** Which package or part of the runtime a frame belongs to. */
function area(url: string, name: string): string {
  if (name.startsWith('(')) return name; // (garbage collector), (program), (idle), (root)
  if (url.includes('/packages/celeriac/')) return 'celeriac (packages/celeriac)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.includes('/bench/')) return 'bench harness';
  if (url.startsWith('node:') || url === '') return 'node core / V8 builtins';
  return url;
}

function frameKey(f: CpuProfile['nodes'][number]['callFrame']): string {
  const file = f.url.replace(/^.*\/(node_modules|libs|dist)\//, '$1/').replace(/^file:\/\//, '');
  return `${f.functionName || '(anonymous)'}  ${file ? `${file}:${f.lineNumber + 1}` : ''}`.trim();
}

/**
 * Self and inclusive time per function, and self time per area, in microseconds per task (`tasks` is how
 * many tasks the profiled phase handled).
 */
export function summarize(file: string, tasks: number, top = 25): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stackKeys = new Map<number, Set<string>>();
  const keysOf = (id: number): Set<string> => {
    let keys = stackKeys.get(id);
    if (keys) return keys;
    const p = parent.get(id);
    keys = new Set(p === undefined ? [] : keysOf(p));
    const frame = byId.get(id)!.callFrame;
    if (!frame.functionName.startsWith('(')) keys.add(frameKey(frame));
    stackKeys.set(id, keys);
    return keys;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const areas = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i + 1] ?? 0;
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') return;
    busy += dt;
    const key = frameKey(frame);
    self.set(key, (self.get(key) ?? 0) + dt);
    const a = area(frame.url, frame.functionName);
    areas.set(a, (areas.get(a) ?? 0) + dt);
    for (const k of keysOf(id)) total.set(k, (total.get(k) ?? 0) + dt);
  });
  const row = (us: number, label: string): string =>
    `  ${((100 * us) / busy).toFixed(1).padStart(5)}%  ${(us / tasks).toFixed(2).padStart(7)} µs/task  ${label}`;
  const list = (m: Map<string, number>, n: number): string[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => row(us, k));
  return [
    `${file}: ${(busy / 1000).toFixed(0)} ms busy (idle excluded) = ${(busy / tasks).toFixed(1)} µs per task`,
    'Self time by area:',
    ...list(areas, 12),
    `Top ${top} functions by self time:`,
    ...list(self, top),
    `Top ${top} functions by inclusive time:`,
    ...list(total, top),
  ].join('\n');
}

/**
 * `npm run bench -- --profile [sides]`: for each side (by default the same-message raw baseline, Celeriac,
 * and raw amqplib without protocol headers; or those named, comma-separated, e.g. `celeriac-events`), after a warm-up, the producer enqueues
 * 50,000 tasks under V8's sampling profiler (started and stopped in-process, so boot and warm-up stay
 * out), then the consumer drains them under the profiler. Prints each profile's top frames in µs per task.
 */
export async function runProfile(
  url: string,
  prefetch: number,
  window: number,
  impls: readonly Impl[] = ['raw', 'celeriac', 'raw-bare'],
): Promise<void> {
  const runId = `bench-profile-${randomBytes(3).toString('hex')}`;
  const dir = resolve('dist/bench-profiles', runId);
  mkdirSync(dir, { recursive: true });
  const admin = await BrokerAdmin.open(url);
  const agents: AgentProcess[] = [];
  const files: string[] = [];
  try {
    for (const impl of impls) {
      const queue = `${runId}-${impl}`;
      await admin.declare(queue);
      const producer = await AgentProcess.spawn(impl, 'producer', queue, prefetch);
      const consumer = await AgentProcess.spawn(impl, 'consumer', queue, prefetch);
      agents.push(producer, consumer);
      // Warm-up: JIT both sides' hot paths end to end.
      await consumer.call({ cmd: 'start', expect: WARMUP_TASKS, record: false });
      await producer.call({ cmd: 'enqueue', n: WARMUP_TASKS, window });
      await consumer.call({ cmd: 'waitFor', timeoutMs: 300_000 });
      await consumer.call({ cmd: 'stop' });

      const producerFile = join(dir, `${impl}-producer-enqueue.cpuprofile`);
      await producer.call({ cmd: 'profileStart' });
      const p = await producer.call<ProducerStats>({ cmd: 'enqueue', n: PROFILED_TASKS, window });
      await producer.call({ cmd: 'profileStop', file: producerFile });
      await admin.expectDepth(queue, PROFILED_TASKS);

      const consumerFile = join(dir, `${impl}-consumer-drain.cpuprofile`);
      await consumer.call({ cmd: 'profileStart' });
      await consumer.call({ cmd: 'start', expect: PROFILED_TASKS, record: false });
      const c = await consumer.call<ConsumerStats>({ cmd: 'waitFor', timeoutMs: 300_000 });
      await consumer.call({ cmd: 'stop' });
      await consumer.call({ cmd: 'profileStop', file: consumerFile });
      await admin.expectDepth(queue, 0);
      files.push(producerFile, consumerFile);

      const secs = (a: number, b: number): string => ((b - a) / 1000).toFixed(2);
      process.stdout.write(
        `${impl}: enqueue ${secs(p.firstSendAt, p.lastConfirmAt)} s, drain ${secs(c.startedAt, c.lastDoneAt)} s ` +
          `for ${PROFILED_TASKS} tasks (under the profiler)\n`,
      );
      await producer.exit();
      await consumer.exit();
      await admin.remove(queue, isCeleriac(impl) ? delayPrefixOf(queue) : undefined);
    }
  } finally {
    for (const a of agents) a.kill();
    await admin.close();
  }
  for (const f of files) process.stdout.write(`\n${summarize(f, PROFILED_TASKS)}\n`);
}
