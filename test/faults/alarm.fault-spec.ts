import { PublishTimeoutError, TaskQueueRuntime } from 'celeriac';
import { setMemoryWatermark } from './support/rabbit.js';
import { faultScenarios } from './support/fault-scenarios.js';
import { Scenario, waitUntil } from './support/scenario.js';

/**
 * A resource alarm (reliability.md §6, F7): RabbitMQ blocks publishing connections. Publishers must see
 * it and give up after publishTimeoutMs with an error that says so (never hang, never grow without
 * bound); consumers, on their own connection, must keep working; nothing confirmed may be lost.
 */
describe('resource alarm', () => {
  const startScenario = faultScenarios();

  it('F7: memory alarm: publishers are blocked and time out clearly, consumers keep working', async () => {
    const s = await startScenario('F7');
    await s.worker({ worker: { concurrency: 4 } });
    const producer = await s.client({ publishTimeoutMs: 2_000 });
    const runtime = producer.app.get(TaskQueueRuntime);
    // A backlog of about 4 s of work, confirmed before the alarm.
    expect(await s.sendMany(producer.client, 300, { sleepMs: 50 })).toEqual([]);
    await waitUntil(
      '20 tasks done',
      () => s.ledger.count('done'),
      (n) => n >= 20,
      30_000,
    );

    const alarmFrom = Date.now();
    let alarmTo = alarmFrom;
    let blockedSeen: string | null = null;
    let blockedErrors: unknown[] = [];
    let sendMs = 0;
    try {
      await setMemoryWatermark('0.0001');
      const sending = Date.now();
      const attempts = Promise.all(Array.from({ length: 20 }, () => s.send(producer.client)));
      blockedSeen = await waitUntil(
        'the publishing connection to be blocked',
        () => runtime.health().connections.publish?.blocked ?? null,
        (reason) => reason !== null,
        10_000,
      );
      blockedErrors = await attempts;
      sendMs = Date.now() - sending;
      await waitUntil(
        'a 5 s alarm',
        () => Date.now() - alarmFrom,
        (ms) => ms >= 5_000,
        10_000,
      );
    } finally {
      await setMemoryWatermark('0.4');
      alarmTo = Date.now();
      s.faults.push({ label: 'memory alarm', from: alarmFrom, to: alarmTo });
    }
    const doneDuringAlarm = s.ledger.events.filter(
      (ev) => ev.e === 'done' && ev.t > alarmFrom + 500 && ev.t < alarmTo,
    ).length;
    await waitUntil(
      'the publishing connection to be unblocked',
      () => runtime.health().connections.publish?.blocked ?? null,
      (reason) => reason === null,
      15_000,
    );
    const after = await s.sendMany(producer.client, 20);
    await s.settle();

    const failed = s.ledger.events.flatMap((ev) => (ev.e === 'send-failed' ? [ev] : []));
    const v = s.verdict(
      'memory alarm (vm_memory_high_watermark 0.0001 for 5 s)',
      `blocked "${blockedSeen ?? ''}", ${failed.length} sends timed out after ${sendMs} ms, ` +
        `${doneDuringAlarm} tasks done during the alarm, ` +
        `${rejectedButArrived(s)} rejected sends arrived anyway`,
    );
    expect(blockedSeen).toMatch(/memory/);
    expect(blockedErrors).toHaveLength(20);
    for (const err of blockedErrors) {
      expect(err).toBeInstanceOf(PublishTimeoutError);
      expect((err as PublishTimeoutError).brokerState).toBe('blocked');
      expect((err as Error).message).toMatch(/blocked publishing.*memory/);
    }
    expect(sendMs).toBeLessThan(2_000 + 1_000); // publishTimeoutMs, not a hang
    expect(doneDuringAlarm).toBeGreaterThan(0); // the consumer kept working
    expect(after).toEqual([]);
    expect(v.lost).toEqual([]);
    expect(v.duplicates.length - v.explained.length).toBe(0);
    // A rejected send that was never handed to the broker never arrives.
    const neverSent = new Set(failed.flatMap((ev) => (ev.maybeEnqueued ? [] : [ev.id])));
    expect(v.unconfirmedArrivals.filter((id) => neverSent.has(id))).toEqual([]);
  });
});

/** Sends that rejected but whose task arrived all the same (the library said it might). */
function rejectedButArrived(s: Scenario): number {
  const failed = new Set(s.ledger.ids('send-failed'));
  return [...s.ledger.ids('done')].filter((id) => failed.has(id)).length;
}
