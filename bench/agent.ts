/**
 * One benchmark process: a producer or a consumer of one implementation, driven by `main.ts` over IPC.
 * Started as `node --expose-gc agent.js <raw|raw-bare|celeriac> <producer|consumer> <queue> <prefetch>`:
 * `raw` is amqplib sending the same messages as Celeriac, `raw-bare` amqplib without protocol headers.
 */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { CeleriacConsumer, CeleriacProducer, registerTracingSdk } from './celeriac.js';
import { sleep } from './clock.js';
import type { AgentArgs, Command, MemoryStats, Reply, Request } from './protocol.js';
import { RawConsumer, RawProducer } from './raw.js';
import { Recorder } from './recorder.js';
import { delayed, enqueue, paced, type ConsumerSide, type ProducerSide } from './sides.js';

const URL = process.env['RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';

function parseArgs(argv: readonly string[]): AgentArgs {
  const [impl, role, queue, prefetch] = argv;
  if (
    (impl !== 'raw' &&
      impl !== 'raw-bare' &&
      impl !== 'celeriac' &&
      impl !== 'celeriac-observed') ||
    (role !== 'producer' && role !== 'consumer')
  ) {
    throw new Error(
      `Usage: agent.js <raw|raw-bare|celeriac|celeriac-observed> <producer|consumer> <queue> <prefetch>`,
    );
  }
  if (!queue) throw new Error('agent.js: no queue given');
  return { impl, role, queue, prefetch: Number(prefetch ?? 250) };
}

async function memory(): Promise<MemoryStats> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('Run the agent with --expose-gc');
  gc();
  await sleep(50);
  gc();
  const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
  return { rss, heapUsed, heapTotal, external, arrayBuffers };
}

let profiler: Session | undefined;

async function profile(command: Command): Promise<unknown> {
  if (command.cmd === 'profileStart') {
    profiler = new Session();
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.setSamplingInterval', { interval: 100 });
    await profiler.post('Profiler.start');
    return null;
  }
  if (command.cmd === 'profileStop' && profiler) {
    const { profile: result } = await profiler.post('Profiler.stop');
    writeFileSync(command.file, JSON.stringify(result));
    profiler.disconnect();
    profiler = undefined;
    return null;
  }
  throw new Error(`Unexpected ${command.cmd}`);
}

class ProducerAgent {
  constructor(private readonly side: ProducerSide) {}

  async run(command: Command): Promise<unknown> {
    switch (command.cmd) {
      case 'enqueue':
        return enqueue(this.side, command.n, command.window);
      case 'paced':
        return paced(this.side, command.n, command.ratePerSec, command.startAt);
      case 'delayed':
        return delayed(this.side, command.n, command.minCountdownS, command.maxCountdownS);
      case 'memory':
        return memory();
      case 'profileStart':
      case 'profileStop':
        return profile(command);
      case 'exit':
        await this.side.close();
        return null;
      default:
        throw new Error(`A producer cannot ${command.cmd}`);
    }
  }
}

class ConsumerAgent {
  private readonly recorder = new Recorder();

  constructor(private readonly side: ConsumerSide) {}

  async run(command: Command): Promise<unknown> {
    switch (command.cmd) {
      case 'start':
        await this.side.prepare(this.recorder);
        this.recorder.begin(command.expect, command.record);
        await this.side.start();
        return null;
      case 'expect':
        this.recorder.expect(command.count);
        return null;
      case 'waitFor':
        return this.recorder.waitFor(command.timeoutMs);
      case 'stop':
        await this.side.stop();
        return { handled: this.recorder.count };
      case 'memory':
        return memory();
      case 'profileStart':
      case 'profileStop':
        return profile(command);
      case 'exit':
        await this.side.stop();
        return null;
      default:
        throw new Error(`A consumer cannot ${command.cmd}`);
    }
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const observed = args.impl === 'celeriac-observed';
  // BENCH_TRACING_SDK=1 also registers the OpenTelemetry SDK, recording every span with no exporter.
  if (observed && process.env['BENCH_TRACING_SDK'] === '1') registerTracingSdk();
  const celeriac = args.impl === 'celeriac' || observed;
  const agent =
    args.role === 'producer'
      ? new ProducerAgent(
          celeriac
            ? await CeleriacProducer.open(URL, args.queue, args.prefetch, observed)
            : await RawProducer.open(URL, args.queue, args.impl === 'raw'),
        )
      : new ConsumerAgent(
          celeriac
            ? new CeleriacConsumer(URL, args.queue, args.prefetch, observed)
            : new RawConsumer(URL, args.queue, args.prefetch, args.impl === 'raw'),
        );
  const reply = (message: Reply): void => {
    process.send?.(message);
  };
  process.on('message', (raw: unknown) => {
    const request = raw as Request;
    agent.run(request).then(
      (result) => {
        reply({ id: request.id, ok: true, result });
        if (request.cmd === 'exit') {
          process.removeAllListeners('disconnect');
          process.disconnect();
        }
      },
      (err: unknown) => {
        reply({
          id: request.id,
          ok: false,
          error: err instanceof Error ? (err.stack ?? err.message) : String(err),
        });
      },
    );
  });
  // The orchestrator went away (it failed, or was interrupted): do not linger.
  process.once('disconnect', () => process.exit(0));
  process.send?.({ ready: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
