/**
 * One process of the peers benchmark: a producer or a consumer of one of the systems measured beside
 * Celeriac, driven by `main.ts` over IPC like `../agent.ts` (which runs raw amqplib and Celeriac).
 * Started as `node --expose-gc peer-agent.js <system> <producer|consumer> <queue> <prefetch>`; it is built
 * into bench/peers/dist so that it resolves the peers' own packages (bench/peers/node_modules).
 */
import 'reflect-metadata';
import { ConsumerAgent, ProducerAgent, serve, type Agent } from '../agent-runtime.js';
import { BullmqConsumer, BullmqProducer } from './bullmq.js';
import { CeleryConsumerAgent, CeleryProducerAgent } from './celery.js';
import { GolevelupConsumer, GolevelupProducer } from './golevelup.js';
import { NestRmqConsumer, NestRmqProducer } from './nest-rmq.js';
import { isPeerSystem, PEER_SYSTEMS, type PeerSystem } from './systems.js';

const URL = process.env['RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';

async function producer(system: PeerSystem, queue: string, prefetch: number): Promise<Agent> {
  switch (system) {
    case 'golevelup':
      return new ProducerAgent(await GolevelupProducer.open(URL, queue, prefetch, 'min'));
    case 'golevelup-celery':
      return new ProducerAgent(await GolevelupProducer.open(URL, queue, prefetch, 'celery'));
    case 'nest-rmq':
      return new ProducerAgent(await NestRmqProducer.open(URL, queue));
    case 'bullmq':
      return new ProducerAgent(await BullmqProducer.open(queue));
    case 'celery':
      return CeleryProducerAgent.open({ url: URL, queue, prefetch });
  }
}

function consumer(system: PeerSystem, queue: string, prefetch: number): Agent {
  switch (system) {
    case 'golevelup':
    case 'golevelup-celery':
      return new ConsumerAgent(new GolevelupConsumer(URL, queue, prefetch));
    case 'nest-rmq':
      return new ConsumerAgent(new NestRmqConsumer(URL, queue, prefetch));
    case 'bullmq':
      return new ConsumerAgent(new BullmqConsumer(queue, prefetch));
    case 'celery':
      return new CeleryConsumerAgent({ url: URL, queue, prefetch });
  }
}

async function main(): Promise<void> {
  const [system, role, queue, prefetch] = process.argv.slice(2);
  if (!isPeerSystem(system) || (role !== 'producer' && role !== 'consumer') || !queue) {
    throw new Error(
      `Usage: peer-agent.js <${PEER_SYSTEMS.join('|')}> <producer|consumer> <queue> <prefetch>`,
    );
  }
  const n = Number(prefetch ?? 250);
  serve(role === 'producer' ? await producer(system, queue, n) : consumer(system, queue, n));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
