import { UnroutableError } from 'celeriac';
import { BrokerLog, rabbitmqctl } from './support/rabbit.js';
import { faultScenarios } from './support/fault-scenarios.js';
import { waitUntil } from './support/scenario.js';

/**
 * The queue is deleted under a consuming worker (reliability.md §6, F17): the broker cancels the
 * consumer; the worker must declare the queue again and consume within about 2 s, and the tasks it was
 * running must still finish and ack on their own channel.
 */
describe('queue deleted while consuming', () => {
  const startScenario = faultScenarios();

  it('F17: delete_queue while consuming: the consumer is re-attached and consuming resumes', async () => {
    const s = await startScenario('F17');
    const log = await BrokerLog.mark();
    const worker = await s.worker({ worker: { concurrency: 5 } });
    const statuses: string[] = [];
    worker.server.status.subscribe((status) => statuses.push(status));
    const producer = await s.client();
    expect(await s.sendMany(producer.client, 100, { concurrency: 20 })).toEqual([]);
    await s.settle();
    // Five slow tasks running when the queue goes: nothing is left in the queue to lose.
    expect(await s.sendMany(producer.client, 5, { sleepMs: 1_000 })).toEqual([]);
    await waitUntil(
      '5 slow tasks running',
      () => s.ledger.count('started'),
      (n) => n >= 105,
      10_000,
    );

    const deletedAt = Date.now();
    await s.inject('delete_queue', () =>
      rabbitmqctl(['delete_queue', s.queue, '-p', s.vhost.name]),
    );
    // Keep sending: what the broker cannot route yet rejects (UnroutableError), the rest must run.
    const resumed = (async () => {
      for (let n = 0; n < 100; n++) {
        const err = await s.send(producer.client);
        if (err !== null && !(err instanceof UnroutableError))
          throw err instanceof Error ? err : new Error('send failed', { cause: err });
        if (err !== null) await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const reattachedAt = await waitUntil(
      'the consumer to be re-attached',
      () => {
        const q = worker.server.health().worker?.queues[0];
        return q && q.consuming && q.attaches >= 2 ? q.since.getTime() : 0;
      },
      Boolean,
      10_000,
    );
    await resumed;
    await s.settle();
    const firstDoneAfter = s.ledger.events.find(
      (ev) =>
        ev.e === 'done' &&
        ev.t > deletedAt &&
        !s.ledger.events.some((x) => x.e === 'sent' && x.id === ev.id && x.t0 < deletedAt),
    );

    const unroutable = s.ledger.count('send-failed');
    const v = s.verdict(
      'delete_queue while consuming',
      `re-attached ${reattachedAt - deletedAt} ms after the delete, first new task done ` +
        `${(firstDoneAfter?.t ?? NaN) - deletedAt} ms after it, ${unroutable} sends unroutable meanwhile`,
    );
    expect(reattachedAt - deletedAt).toBeLessThan(2_000);
    expect(v.lost).toEqual([]);
    expect(v.duplicates.length - v.explained.length).toBe(0);
    expect(statuses).toContain('connecting');
    expect(statuses.at(-1)).toBe('consuming');
    expect(worker.server.health().ok).toBe(true);
    // The slow tasks acked on their own channel: no channel error, no stale delivery tag.
    expect(await log.linesSince(/unknown delivery tag|PRECONDITION_FAILED/i)).toEqual([]);
  });
});
