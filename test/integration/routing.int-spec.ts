import { Injectable } from '@nestjs/common';
import { Task, type TaskContext, deadLetterQueueName } from 'celeriac';
import { BrokerProbe, uniqueName } from '../support/broker.js';
import { startWorker, type TestWorker } from '../support/apps.js';

@Injectable()
class MediaTasks {
  @Task('media.transcode')
  transcode(file: string, ctx: TaskContext): { file: string; queue: string } {
    return { file, queue: ctx.queue };
  }

  @Task('reports.build')
  build(ctx: TaskContext): string {
    return ctx.queue;
  }

  @Task('plain.where')
  where(ctx: TaskContext): string {
    return ctx.queue;
  }
}

describe('routing: exchanges, binding keys, routes and several queues per worker', () => {
  const media = uniqueName('media');
  const mediaExchange = uniqueName('media-x');
  const reports = uniqueName('reports');
  const fallback = uniqueName('default');
  let worker: TestWorker;
  let probe: BrokerProbe;

  beforeAll(async () => {
    probe = await BrokerProbe.open();
    worker = await startWorker(
      {
        defaultQueue: fallback,
        queues: [
          { name: media, exchange: mediaExchange, exchangeType: 'topic', bindingKeys: ['media.#'] },
          { name: reports, type: 'quorum' },
        ],
        routes: {
          'media.*': { queue: media, exchange: mediaExchange, routingKey: 'media.video.transcode' },
          'reports.build': reports,
        },
        worker: { queues: [media, reports, fallback] },
      },
      [MediaTasks],
    );
  });

  afterAll(async () => {
    await worker.close();
    await probe.deleteQueues(
      media,
      reports,
      fallback,
      ...[media, reports, fallback].map(deadLetterQueueName),
    );
    await probe.deleteExchanges(mediaExchange, reports, fallback);
    await probe.close();
  });

  it('routes a task through a topic exchange by its binding key', async () => {
    const result = await worker.client.send('media.transcode', ['a.mp4']);
    await expect(result.get({ timeoutMs: 5_000 })).resolves.toEqual({
      file: 'a.mp4',
      queue: media,
    });
  });

  it('routes by an exact task name to a quorum queue', async () => {
    const result = await worker.client.send('reports.build');
    await expect(result.get({ timeoutMs: 5_000 })).resolves.toBe(reports);
  });

  it('sends unrouted tasks to the default queue', async () => {
    const result = await worker.client.send('plain.where');
    await expect(result.get({ timeoutMs: 5_000 })).resolves.toBe(fallback);
  });

  it('lets an explicit queue option win over the routes', async () => {
    const result = await worker.client.send('reports.build', [], {}, { queue: fallback });
    await expect(result.get({ timeoutMs: 5_000 })).resolves.toBe(fallback);
  });

  it('lets an explicit exchange and routing key win, through the topic binding', async () => {
    const result = await worker.client.send(
      'plain.where',
      [],
      {},
      { exchange: mediaExchange, routingKey: 'media.audio' },
    );
    await expect(result.get({ timeoutMs: 5_000 })).resolves.toBe(media);
  });

  it('declared the quorum queue as a quorum queue with a dead-letter queue', async () => {
    // Redeclaring with other arguments would fail (406), so a matching declare proves the type.
    await expect(
      probe.declareQueue(reports, {
        durable: true,
        arguments: {
          'x-queue-type': 'quorum',
          'x-dead-letter-exchange': '',
          'x-dead-letter-routing-key': deadLetterQueueName(reports),
        },
      }),
    ).resolves.toBeUndefined();
    expect(await probe.exists(deadLetterQueueName(reports))).toBe(true);
  });
});
