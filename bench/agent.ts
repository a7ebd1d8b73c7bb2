/**
 * One benchmark process: a producer or a consumer of one implementation, driven by `main.ts` over IPC.
 * Started as `node --expose-gc agent.js <raw|raw-bare|celeriac> <producer|consumer> <queue> <prefetch>`:
 * `raw` is amqplib sending the same messages as Celeriac, `raw-bare` amqplib without protocol headers.
 */
import 'reflect-metadata';
import { ConsumerAgent, ProducerAgent, serve } from './agent-runtime.js';
import { CeleriacConsumer, CeleriacProducer } from './celeriac.js';
import type { AgentArgs } from './protocol.js';
import { RawConsumer, RawProducer } from './raw.js';

const URL = process.env['RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';

function parseArgs(argv: readonly string[]): AgentArgs {
  const [impl, role, queue, prefetch] = argv;
  if (
    (impl !== 'raw' && impl !== 'raw-bare' && impl !== 'celeriac') ||
    (role !== 'producer' && role !== 'consumer')
  ) {
    throw new Error(
      `Usage: agent.js <raw|raw-bare|celeriac> <producer|consumer> <queue> <prefetch>`,
    );
  }
  if (!queue) throw new Error('agent.js: no queue given');
  return { impl, role, queue, prefetch: Number(prefetch ?? 250) };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const agent =
    args.role === 'producer'
      ? new ProducerAgent(
          args.impl === 'celeriac'
            ? await CeleriacProducer.open(URL, args.queue, args.prefetch)
            : await RawProducer.open(URL, args.queue, args.impl === 'raw'),
        )
      : new ConsumerAgent(
          args.impl === 'celeriac'
            ? new CeleriacConsumer(URL, args.queue, args.prefetch)
            : new RawConsumer(URL, args.queue, args.prefetch, args.impl === 'raw'),
        );
  serve(agent);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
