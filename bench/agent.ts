/**
 * One benchmark process: a producer or a consumer of one implementation, driven by `main.ts` over IPC.
 * Started as `node --expose-gc agent.js <impl> <producer|consumer> <queue> <prefetch>` (impl: see
 * protocol.ts): `raw` is amqplib sending the same messages as Celeriac, `raw-bare` amqplib without protocol
 * headers, `raw-min` the least a task message can carry, `celeriac` the library and `celeriac-events` the library with task events on.
 */
import 'reflect-metadata';
import { ConsumerAgent, ProducerAgent, serve } from './agent-runtime.js';
import { CeleriacConsumer, CeleriacProducer, registerTracingSdk } from './celeriac.js';
import type { MessageShape } from './messages.js';
import { IMPL_NAMES, isCeleriac, isImpl, type AgentArgs, type RawImpl } from './protocol.js';
import { RawConsumer, RawProducer } from './raw.js';

const URL = process.env['RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';

const RAW_SHAPES: Readonly<Record<RawImpl, MessageShape>> = {
  raw: 'celery',
  'raw-bare': 'bare',
  'raw-min': 'min',
};

function parseArgs(argv: readonly string[]): AgentArgs {
  const [impl, role, queue, prefetch] = argv;
  if (!isImpl(impl) || (role !== 'producer' && role !== 'consumer')) {
    throw new Error(
      `Usage: agent.js <${IMPL_NAMES.join('|')}> <producer|consumer> <queue> <prefetch>`,
    );
  }
  if (!queue) throw new Error('agent.js: no queue given');
  return { impl, role, queue, prefetch: Number(prefetch ?? 250) };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const observed = args.impl === 'celeriac-observed';
  // BENCH_TRACING_SDK=1 also registers the OpenTelemetry SDK, recording every span with no exporter.
  if (observed && process.env['BENCH_TRACING_SDK'] === '1') registerTracingSdk();
  const agent =
    args.role === 'producer'
      ? new ProducerAgent(
          isCeleriac(args.impl)
            ? await CeleriacProducer.open(URL, args.queue, args.prefetch, args.impl)
            : await RawProducer.open(URL, args.queue, RAW_SHAPES[args.impl]),
        )
      : new ConsumerAgent(
          isCeleriac(args.impl)
            ? new CeleriacConsumer(URL, args.queue, args.prefetch, args.impl)
            : new RawConsumer(URL, args.queue, args.prefetch, RAW_SHAPES[args.impl]),
        );
  serve(agent);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
