import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import type { BenchResults, ImplResults, RatePhases, TargetCheck } from './results.js';

const DOC = 'docs/benchmarks.md';
const LATEST = 'bench/results/latest.json';
/** Everything from this marker on in docs/benchmarks.md is hand-written and kept across runs. */
const ANALYSIS_MARKER =
  '<!-- bench:analysis (everything below is kept when npm run bench rewrites this file) -->';

/** The repository root: the nearest directory above this file whose package.json is Celeriac's workspace. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (
      existsSync(pkg) &&
      (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'celeriac-workspace'
    ) {
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('Cannot find the Celeriac repository root');
    dir = parent;
  }
}

function packageVersion(name: string): string {
  try {
    const pkg = JSON.parse(readFileSync(join('node_modules', name, 'package.json'), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '?';
  } catch {
    return '?';
  }
}

function gitCommit(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      encoding: 'utf8',
    }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'libs'], {
      encoding: 'utf8',
    });
    return dirty.trim() === '' ? commit : `${commit} (libs/ modified)`;
  } catch {
    return '?';
  }
}

export function collectVersions(server: {
  version: string;
  platform: string;
}): Record<string, string> {
  return {
    celeriac: gitCommit(),
    node: process.version,
    rabbitmq: server.version,
    erlang: server.platform,
    amqplib: packageVersion('amqplib'),
    'amqp-connection-manager': packageVersion('amqp-connection-manager'),
    '@nestjs/core': packageVersion('@nestjs/core'),
    '@nestjs/microservices': packageVersion('@nestjs/microservices'),
  };
}

/** A row of the main table; `bare` is empty where the headerless reference did not run. */
type Row = readonly [metric: string, raw: string, celeriac: string, ratio: string, bare: string];

/** The main table's columns: the baseline, Celeriac, their ratio, then the headerless reference. */
const BASELINE = 'raw amqplib, same messages';
const BARE = 'raw amqplib, no protocol headers (ceiling)';
const HEADER: Row = ['', BASELINE, 'Celeriac', 'Celeriac ÷ raw', BARE];

function n0(x: number): string {
  return Math.round(x).toLocaleString('en-US');
}

function n2(x: number): string {
  return x.toFixed(2);
}

function ratio(a: number, b: number): string {
  return `${(a / b).toFixed(2)}×`;
}

function rows(r: BenchResults): Row[] {
  const raw = r.raw;
  const cel = r.celeriac;
  const bare = r.rawBare;
  const rate = (label: string, pick: (x: RatePhases) => number): Row => [
    label,
    n0(pick(raw)),
    n0(pick(cel)),
    ratio(pick(cel), pick(raw)),
    n0(pick(bare)),
  ];
  const ms = (label: string, pick: (x: ImplResults) => number): Row => [
    label,
    n2(pick(raw)),
    n2(pick(cel)),
    ratio(pick(cel), pick(raw)),
    '',
  ];
  const cpu = (label: string, pick: (x: RatePhases) => number | undefined): Row => {
    const a = pick(raw) ?? Number.NaN;
    const b = pick(cel) ?? Number.NaN;
    return [label, a.toFixed(1), b.toFixed(1), ratio(b, a), (pick(bare) ?? Number.NaN).toFixed(1)];
  };
  const k = (x: number): string => x.toLocaleString('en-US');
  const d = cel.delayLateness;
  return [
    rate(`Enqueue, tasks/s (confirmed, nothing consuming)`, (x) => x.enqueue.median),
    rate(`Drain, tasks/s (pre-filled queue)`, (x) => x.drain.median),
    rate(`End to end, tasks/s (first send → last handler)`, (x) => x.e2e.median),
    ms(`Send → handler start p50 at ${r.config.latencyRate}/s, ms`, (x) => x.latency.p50),
    ms(`Send → handler start p95 at ${r.config.latencyRate}/s, ms`, (x) => x.latency.p95),
    ms(`Send → handler start p99 at ${r.config.latencyRate}/s, ms`, (x) => x.latency.p99),
    [
      `Delayed task lateness p50 / p99 / max, ms`,
      '—',
      d ? `${n2(d.p50)} / ${n2(d.p99)} / ${n2(d.max)}` : '—',
      '',
      '',
    ],
    ms(`Worker RSS idle, MiB`, (x) => x.memory.idleMb),
    ms(`Worker RSS after a ${k(r.config.rssWarmTasks)}-task warm-up, MiB`, (x) => x.memory.warmMb),
    ms(`Worker RSS after ${k(r.config.rssTasks)} more tasks, MiB`, (x) => x.memory.afterMb),
    [
      `Worker RSS growth over those ${k(r.config.rssTasks)} (medians of the ends / last − first sample / from cold idle), MiB`,
      `${n2(raw.memory.growthMb)} / ${n2(raw.memory.growthEndpointsMb)} / ${n2(raw.memory.growthFromIdleMb)}`,
      `${n2(cel.memory.growthMb)} / ${n2(cel.memory.growthEndpointsMb)} / ${n2(cel.memory.growthFromIdleMb)}`,
      '',
      '',
    ],
    [
      `Worker RSS / heap trend after warm-up, MiB per 100k tasks`,
      `${n2(raw.memory.rssSlopeMbPer100k)} / ${n2(raw.memory.heapUsedSlopeMbPer100k)}`,
      `${n2(cel.memory.rssSlopeMbPer100k)} / ${n2(cel.memory.heapUsedSlopeMbPer100k)}`,
      '',
      '',
    ],
    [
      `Worker heap used idle / warm / after, MiB`,
      `${n2(raw.memory.heapUsedIdleMb)} / ${n2(raw.memory.heapUsedWarmMb)} / ${n2(raw.memory.heapUsedAfterMb)}`,
      `${n2(cel.memory.heapUsedIdleMb)} / ${n2(cel.memory.heapUsedWarmMb)} / ${n2(cel.memory.heapUsedAfterMb)}`,
      '',
      '',
    ],
    [
      `Worker V8 heap reserved idle / after, MiB`,
      `${n2(raw.memory.heapTotalIdleMb)} / ${n2(raw.memory.heapTotalAfterMb)}`,
      `${n2(cel.memory.heapTotalIdleMb)} / ${n2(cel.memory.heapTotalAfterMb)}`,
      '',
      '',
    ],
    cpu(`CPU µs per task, producer (enqueue)`, (x) => x.enqueue.producerCpuUsPerTask),
    cpu(`CPU µs per task, consumer (drain)`, (x) => x.drain.consumerCpuUsPerTask),
    cpu(`CPU µs per task, producer (end to end)`, (x) => x.e2e.producerCpuUsPerTask),
    cpu(`CPU µs per task, consumer (end to end)`, (x) => x.e2e.consumerCpuUsPerTask),
    cpu(`Broker CPU µs per task (enqueue)`, (x) => x.enqueue.brokerCpuUsPerTask),
    cpu(`Broker CPU µs per task (drain)`, (x) => x.drain.brokerCpuUsPerTask),
    cpu(`Broker CPU µs per task (end to end)`, (x) => x.e2e.brokerCpuUsPerTask),
  ];
}

/** Celeriac with task events off and on, from the same reps: what events cost the worker. */
function eventRows(r: BenchResults): string[][] {
  const off = r.celeriac;
  const on = r.celeriacEvents;
  const rate = (label: string, pick: (x: RatePhases) => number): string[] => [
    label,
    n0(pick(off)),
    n0(pick(on)),
    ratio(pick(on), pick(off)),
  ];
  const cpu = (label: string, pick: (x: RatePhases) => number | undefined): string[] => {
    const a = pick(off) ?? Number.NaN;
    const b = pick(on) ?? Number.NaN;
    return [label, a.toFixed(1), b.toFixed(1), ratio(b, a)];
  };
  return [
    rate('Drain, tasks/s', (x) => x.drain.median),
    rate('End to end, tasks/s', (x) => x.e2e.median),
    cpu('CPU µs per task, worker (drain)', (x) => x.drain.consumerCpuUsPerTask),
    cpu('CPU µs per task, worker (end to end)', (x) => x.e2e.consumerCpuUsPerTask),
    cpu('Broker CPU µs per task (drain)', (x) => x.drain.brokerCpuUsPerTask),
  ];
}

const EVENTS_HEADER = ['', 'Celeriac, task events off', 'task events on', 'on ÷ off'];

/** What the two raw columns send, under the table on the terminal (the page says it at length). */
const LEGEND = [
  `${BASELINE}: the baseline, the Celery protocol 2 messages Celeriac sends, built by hand; Celeriac ÷ raw is the library's own cost.`,
  `${BARE}: the body alone (rates and CPU only); no client of Celery's protocol can send less.`,
];

function verdict(t: TargetCheck, yes: string, no: string, ref: string): string {
  if (t.met === null) return ref;
  return t.met ? yes : no;
}

/** The results table on stdout, aligned for a terminal. */
export function printTable(r: BenchResults): void {
  const body = rows(r);
  const all = [HEADER, ...body];
  const widths = HEADER.map((_, i) => Math.max(...all.map((row) => row[i]!.length)));
  const line = (row: Row): string =>
    row
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [
    '',
    line(HEADER),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map(line),
    '',
    ...LEGEND,
    '',
    EVENTS_HEADER.join('  |  '),
    ...eventRows(r).map((row) => row.join('  |  ')),
    '',
  ];
  for (const t of r.targets) {
    const wanted = t.met === null ? '' : `${t.target}, `;
    out.push(
      `${verdict(t, 'MET   ', 'MISSED', 'REF   ')}  ${t.name}: ${wanted}measured ${t.actual}`,
    );
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

function mdTable(
  header: readonly string[],
  body: readonly (readonly string[])[],
  numeric = true,
): string {
  const esc = (cell: string): string => cell.replace(/\|/g, '\\|');
  return [
    `| ${header.map(esc).join(' | ')} |`,
    `| ${header.map((_, i) => (i === 0 || !numeric ? '---' : '---:')).join(' | ')} |`,
    ...body.map((row) => `| ${row.map(esc).join(' | ')} |`),
  ].join('\n');
}

function generated(r: BenchResults): string {
  const c = r.config;
  const k = (x: number): string => x.toLocaleString('en-US');
  const sides: readonly (readonly [string, RatePhases])[] = [
    [BASELINE, r.raw],
    ['Celeriac', r.celeriac],
    ['Celeriac, task events on', r.celeriacEvents],
    ['raw amqplib, no protocol headers', r.rawBare],
  ];
  const perRun = (['enqueue', 'drain', 'e2e'] as const).flatMap((phase) =>
    sides.map(([name, side]) => {
      const p = side[phase];
      return [
        `${phase === 'e2e' ? 'end to end' : phase}, ${name}`,
        ...p.rates.map(n0),
        n0(p.median),
      ];
    }),
  );
  const versions = Object.entries(r.versions)
    .map(([name, v]) => `${name} ${v}`)
    .join(', ');
  return `# Benchmarks

<!-- Generated by \`npm run bench\` (bench/report.ts) down to the analysis marker; edit the generator, not this part. -->

\`npm run bench\` measures what Celeriac costs over a **raw amqplib client doing the same job**: sending the
same Celery protocol 2 messages with the same guarantees, and consuming them. Both go through the same run, on
the same broker and the same kind of queue; the benchmark writes this page and \`bench/results/latest.json\`.
It takes about two minutes (a minute and a half of measuring, the build, and on a busy machine up to a minute
of waiting for other processes to calm down, \`BENCH_QUIET_WAIT_S\`), and needs the local RabbitMQ (\`RABBITMQ_URL\`, default
\`amqp://guest:guest@127.0.0.1:5672\`). \`npm run bench -- --quick\` is a small smoke run that writes nothing;
\`npm run bench -- --profile\` records CPU profiles of the three sides below under load and prints their top frames.

## What is measured

Every side uses a classic durable queue behind a durable direct exchange of the same name (what Celeriac
declares for a queue), persistent messages published with \`mandatory\` on a confirm channel to the default
exchange with the queue name as routing key (where Celeriac, like Celery, sends a task for a direct queue), a
per-consumer prefetch of ${c.prefetch}, and manual acks after the handler. Producer and consumer are
separate Node processes (an API and a worker), each on its own connection, driven over IPC by an
orchestrator; queue names are unique per run and deleted at the end.

- **Baseline: raw amqplib sending the same messages** (\`raw\`; every phase, and every ratio is against it).
  amqplib \`ConfirmChannel.publish\` with a callback per message, publishing what Celeriac publishes for the
  task: the body \`[[sentAt], {}, {embed}]\` and the Celery protocol 2 properties, that is the lean header
  table Celeriac sends by default (\`task\`, \`id\`, \`ignore_result\`; with \`BENCH_TASK_HEADERS=full\` both
  sides send Celery's sixteen), a correlation id, priority 0, content type and encoding. They are built by
  hand per message the way kombu builds them (a fresh UUID for id and correlation id), with the values
  Celeriac gives them, so the property frame on the
  wire is Celeriac's, byte for byte but for the UUIDs. The consumer looks the task up by its \`task\` header, \`JSON.parse\`s the body,
  calls the handler with its argument and acks the message, one \`basic.ack\` per message. This is the naive
  client: no library, nothing but the job.
- **Reference: raw amqplib without protocol headers** (\`raw-bare\`; rate phases only). The same code publishing
  the body alone, with no headers, correlation id or priority; its consumer \`JSON.parse\`s the body and acks.
  These are not Celery tasks (neither Celery nor Celeriac could route them to a task), so it does less than the job and no client
  of Celery's protocol can reach it: it is a ceiling, not a target. Its distance to the baseline is what the
  protocol itself costs: encoding and decoding the header table in the clients, moving and storing it in the
  broker.
- **Celeriac**: \`TaskClient.send(name, [sentAt], {}, { ignoreResult: true })\` in an application context, and
  a worker built like \`runWorker()\` (\`TaskQueueServer\` as a Nest microservice strategy) with a no-op
  \`@Task({ ignoreResult: true })\`; \`concurrency\` = \`prefetch\` = ${c.prefetch}. Worker events
  (heartbeats) are on, as they are by default.
- **Celeriac with task events on** (\`celeriac-events\`; rate phases only): the same, with
  \`events: { taskEvents: true }\` (Celery's \`-E\`), so every task also sends \`task-received\`,
  \`task-started\` and \`task-succeeded\`, batched into \`task.multi\` messages on the \`celeryev\` exchange.
  With no event consumer bound (as here), the broker routes them nowhere; a monitor adds the cost of its own queue.
- **Pipelining**: every producer publishes in chunks of ${k(c.window)}: ${k(c.window)} sends started at once, then
  \`Promise.all\` over their confirms, then the next chunk. \`TaskClient.send\` is one confirmed publish per call.
- **Rates** (${k(c.tasks)} tasks, median of ${c.reps}, after a ${k(c.warmupTasks)}-task warm-up per side; each phase runs for
  every side back to back, headerless reference, baseline, Celeriac, Celeriac with task events, in the reverse order every other
  repetition, so the numbers compared are seconds apart): *enqueue* is first send → last confirm with nothing
  consuming; *drain* is consumer start (connect, declare, consume) → last handler completion on a queue
  pre-filled with ${k(c.tasks)}; *end to end* is first send → last handler completion with the consumer already
  attached. After each phase the queue depth is checked (${k(c.tasks)} after enqueue, 0 after the consumer
  closed: every message was acked, none lost).
- **Latency** (baseline and Celeriac): ${k(c.latencyTasks)} tasks per side sent one by one at a steady ${c.latencyRate}/s; each
  carries its send time (\`performance.timeOrigin + performance.now()\`, taken just before \`send()\`/\`publish()\`),
  and the handler subtracts it from its own start time. Both sides run at the same time, each on its own queue,
  on one schedule offset by half a period, so that hiccups of the machine (other processes, broker disk syncs)
  hit both alike: the p99 ratio compares like with like.
- **Delayed tasks** (Celeriac only): ${k(c.delayedTasks)} tasks with \`countdown\` uniform in
  ${c.delayMinS}–${c.delayMaxS} s, sent at 1000/s; lateness is handler start − \`eta\` (wall clock, 1 ms resolution).
  Kept below the prefetch, so no task waits in the broker behind held ones.
- **Memory** (baseline and Celeriac): a fresh worker process; RSS and heap after two forced GCs when idle
  (listening, nothing handled), after a warm-up of ${k(c.rssWarmTasks)} tasks, and at ten checkpoints over
  ${k(c.rssTasks)} more (end to end, same producer). Growth is judged over those ${k(c.rssTasks)}: the warm-up's
  growth (JIT code, V8's young generation growing to its working size, allocator arenas) is paid once per process,
  by the baseline too, and is reported beside it as growth from cold idle. RSS after forced GCs moves by a few
  MiB from one checkpoint to the next while heap and external memory stay flat (allocator pages), so growth is
  the median RSS of the last three checkpoints minus that of the first three; a leak shows as a trend, so the
  least-squares slope of RSS and of heap used over the checkpoints is reported as well.
- **CPU** (all three sides, in the rate phases): \`process.cpuUsage()\` (user + system) deltas over each phase,
  divided by the task count: producer over enqueue, consumer over drain, and both over end to end; and the
  broker's (\`beam.smp\`, from /proc) over the same phases.

## How to read it

**Celeriac ÷ raw** is Celeriac's number divided by the baseline's. The baseline puts the same messages on the
wire, so the broker stores and delivers the same bytes for both and what differs is the client code: the
ratio is the library's own cost (its message building and validation, its publisher's bookkeeping, the
worker's dispatch through Nest), or its gain where it does better than the naive client (Celeriac's worker
acknowledges finished deliveries in batches; the baseline acks each one). For rates, above 1× means Celeriac
is faster; for latency, memory and CPU, below 1× means Celeriac is cheaper.

The last column, **raw amqplib, no protocol headers**, is a reference only: it does not send Celery
messages, so it is a ceiling no Celery-protocol client reaches, and Celeriac's ratio to it (shown in the
targets, without a verdict) mixes the cost of the protocol with the cost of the library. Baseline ÷ that
column is the cost of the protocol alone.

The broker (an Erlang VM on the same ${r.machine.cores} cores) is part of every number, and its CPU per task is
reported too. Absolute numbers move with the machine and what else runs on it (load average at start and end is
recorded below); the ratios are the comparable part, since the sides run in the same minutes on the same broker.

## Latest run

${r.date} (run \`${r.runId}\`, ${r.durationS} s) on ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGiB} GiB,
${r.machine.os}; load average ${r.machine.loadAvgStart} at start, ${r.machine.loadAvgEnd} at end. Broker
\`${r.brokerUrl}\`. ${versions}.

${mdTable([...HEADER], rows(r))}

### Targets

${mdTable(
  ['Target', 'Wanted', 'Measured', 'Met'],
  r.targets.map((t) => [t.name, t.target, t.actual, verdict(t, 'yes', '**no**', 'ref')]),
  false,
)}

### What task events cost

Celeriac with task events on against the same worker with them off, from the same repetitions.

${mdTable(EVENTS_HEADER, eventRows(r))}

### Every repetition (tasks/s)

${mdTable(['', ...r.raw.enqueue.rates.map((_, i) => `run ${i + 1}`), 'median'], perRun)}

### Worker memory at each checkpoint (after forced GCs)

${mdTable(
  [
    'Tasks handled',
    'raw amqplib RSS, MiB',
    'raw amqplib heap used, MiB',
    'Celeriac RSS, MiB',
    'Celeriac heap used, MiB',
  ],
  r.celeriac.memory.samples.map((c, i) => {
    const w = r.raw.memory.samples[i];
    return [
      k(c.tasks),
      w ? n2(w.rssMb) : '',
      w ? n2(w.heapUsedMb) : '',
      n2(c.rssMb),
      n2(c.heapUsedMb),
    ];
  }),
)}

### Who used the CPUs

Average cores busy, from /proc: this benchmark's processes, the broker (beam.smp), other processes on the
machine (anything above ~0.1 means the phase shared the machine), and hypervisor steal. Over the whole run:
${r.load.run.oursCores} (benchmark), ${r.load.run.brokerCores} (broker), ${r.load.run.foreignCores} (other),
${r.load.run.stealCores} (steal).

${mdTable(
  ['Phase', 'Benchmark', 'Broker', 'Other', 'Steal'],
  r.load.phases.map((p) => [
    p.phase,
    p.oursCores.toFixed(2),
    p.brokerCores.toFixed(2),
    p.foreignCores.toFixed(2),
    p.stealCores.toFixed(2),
  ]),
)}

`;
}

const DEFAULT_ANALYSIS = `${ANALYSIS_MARKER}

## Analysis

Not written yet.
`;

async function pretty(file: string, text: string): Promise<string> {
  const config = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(text, { ...config, filepath: file });
}

/** Rewrites docs/benchmarks.md from a results file, keeping the hand-written analysis. */
export async function renderDoc(r: BenchResults): Promise<string> {
  mkdirSync('docs', { recursive: true });
  const previous = existsSync(DOC) ? readFileSync(DOC, 'utf8') : '';
  const at = previous.indexOf(ANALYSIS_MARKER);
  const analysis = at >= 0 ? previous.slice(at) : DEFAULT_ANALYSIS;
  writeFileSync(DOC, await pretty(DOC, `${generated(r)}${analysis}`));
  return DOC;
}

/** Writes latest.json, a copy under bench/results/runs/, and docs/benchmarks.md; returns the paths. */
export async function writeReports(r: BenchResults): Promise<string[]> {
  mkdirSync('bench/results/runs', { recursive: true });
  mkdirSync('docs', { recursive: true });
  const json = await pretty(LATEST, JSON.stringify(r, null, 2));
  const history = `bench/results/runs/${r.runId}.json`;
  // latest.json also holds the last `npm run bench:peers` run's summary (bench/peers): keep it.
  const peers = existsSync(LATEST)
    ? (JSON.parse(readFileSync(LATEST, 'utf8')) as { peers?: unknown }).peers
    : undefined;
  writeFileSync(
    LATEST,
    peers === undefined ? json : await pretty(LATEST, JSON.stringify({ ...r, peers }, null, 2)),
  );
  writeFileSync(history, json);
  return [LATEST, history, await renderDoc(r)];
}
