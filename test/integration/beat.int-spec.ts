import amqplib, { type Channel, type ChannelModel } from 'amqplib';
import {
  Beat,
  type BeatEntryOptions,
  beatNames,
  ON_TIME_MS,
  resolveBeatEntry,
  resolveOptions,
  TICK_HEADERS,
  tickId,
} from 'celeriac';
import { RABBITMQ_URL, uniqueName } from '../support/broker.js';

/** A tick as a consumer of the task queue sees it. */
interface SeenTick {
  readonly id: string;
  readonly entry: string;
  readonly scheduledAt: number;
  readonly expiration: string | undefined;
  readonly receivedAt: number;
  readonly priority: number | undefined;
  readonly headers: Record<string, unknown>;
}

/** Polls `probe` every 20 ms until `until` holds. */
async function waitFor<T>(
  what: string,
  probe: () => T,
  until: (v: T) => boolean,
  ms: number,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (until(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('beat: one leader, recorded ticks, no double fire', () => {
  let connection: ChannelModel;
  let channel: Channel;
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    connection = await amqplib.connect(RABBITMQ_URL);
    channel = await connection.createChannel();
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  afterAll(async () => {
    await connection.close();
  });

  /** A fresh queue and beat prefix, a consumer collecting ticks, and a factory of beat replicas. */
  /**
   * `unconfiguredQuorum`: the tick queue is a quorum queue the beat's options do not name (its default
   * queue is another), as for `celeriac beat` with a schedule file.
   */
  async function setup(entries: Record<string, BeatEntryOptions>, unconfiguredQuorum = false) {
    const queue = uniqueName('beat-q');
    const prefix = uniqueName('beat');
    const names = beatNames(prefix);
    const seen: SeenTick[] = [];
    const options = resolveOptions({
      url: RABBITMQ_URL,
      defaultQueue: unconfiguredQuorum ? uniqueName('beat-default') : queue,
      reconnectDelayMs: 200,
      beat: { prefix, pulseIntervalMs: 250, leaseMs: 1_000 },
    });
    const resolved = Object.entries(entries).map(([name, e]) =>
      resolveBeatEntry(name, { ...e, options: { queue, ...e.options } }, name),
    );
    await channel.assertQueue(queue, {
      durable: true,
      arguments: { 'x-queue-type': unconfiguredQuorum ? 'quorum' : 'classic' },
    });
    const consumer = await channel.consume(queue, (msg) => {
      if (!msg) return;
      const h = msg.properties.headers ?? {};
      seen.push({
        id: String(h['id']),
        entry: String(h[TICK_HEADERS.entry]),
        scheduledAt: Date.parse(String(h[TICK_HEADERS.scheduledAt])),
        expiration: msg.properties.expiration as string | undefined,
        priority: msg.properties.priority as number | undefined,
        headers: h,
        receivedAt: Date.now(),
      });
      channel.ack(msg);
    });
    const beats: Beat[] = [];
    cleanups.push(async () => {
      for (const b of beats) await b.close();
      await channel.cancel(consumer.consumerTag);
      await channel.deleteQueue(queue);
      await channel.deleteQueue(names.leaderQueue);
      await channel.deleteQueue(names.tickStream);
    });
    const replica = async (): Promise<Beat> => {
      const beat = new Beat(options, resolved);
      beats.push(beat);
      await beat.start();
      return beat;
    };
    return { queue, names, seen, replica, beats };
  }

  it('three replicas: one leads, ticks carry deterministic ids and expire at the next due time', async () => {
    const { seen, replica } = await setup({ fast: { task: 'beat.fast', schedule: 0.2 } });
    const beats = [await replica(), await replica(), await replica()];
    await waitFor(
      '10 ticks',
      () => seen.length,
      (n) => n >= 10,
      10_000,
    );
    expect(beats.filter((b) => b.status().leader)).toHaveLength(1);
    for (const tick of seen) {
      expect(tick.entry).toBe('fast');
      expect(tick.id).toBe(tickId('fast', tick.scheduledAt));
      expect(tick.scheduledAt % 200).toBe(0);
      // Expiring at the next due time (200 ms later), in the expires header only: no per-message TTL.
      expect(Date.parse(String(tick.headers['expires']))).toBe(tick.scheduledAt + 200);
      expect(tick.expiration).toBeUndefined();
    }
    expect(new Set(seen.map((t) => t.id)).size).toBe(seen.length);
  });

  it('sends to a quorum queue the beat was not told about (a schedule file names only the queue)', async () => {
    // The queue is not in the beat's `queues`: declaring it as Celery's classic missing queue would be
    // refused with a 406 and no tick would go out.
    const { seen, replica } = await setup({ q: { task: 'beat.q', schedule: 0.2 } }, true);
    await replica();
    await waitFor(
      '3 ticks',
      () => seen.length,
      (n) => n >= 3,
      10_000,
    );
    expect(seen.every((t) => t.entry === 'q')).toBe(true);
  });

  it('sends each entry with its priority, headers and expiry', async () => {
    const { seen, replica } = await setup({
      tagged: {
        task: 'beat.tagged',
        schedule: 0.2,
        options: { priority: 7, headers: { team: 'ops' }, expires: 30 },
      },
      forever: { task: 'beat.forever', schedule: 0.2, options: { expires: false } },
    });
    await replica();
    const tagged = await waitFor(
      'a tagged tick',
      () => seen.find((t) => t.entry === 'tagged'),
      Boolean,
      5_000,
    );
    const forever = await waitFor(
      'a forever tick',
      () => seen.find((t) => t.entry === 'forever'),
      Boolean,
      5_000,
    );
    expect(tagged!.priority).toBe(7);
    expect(tagged!.headers['team']).toBe('ops');
    expect(tagged!.expiration).toBeUndefined();
    // 30 s from when the tick was sent, just after its due time.
    const expiresIn = Date.parse(String(tagged!.headers['expires'])) - tagged!.scheduledAt;
    expect(expiresIn).toBeGreaterThanOrEqual(30_000);
    expect(expiresIn).toBeLessThan(31_000);
    expect(forever!.expiration).toBeUndefined();
    // The lean header table leaves out an `expires` of None: absent means "never" to Celery too.
    expect(forever!.headers).not.toHaveProperty('expires');
  });

  it('when the leader goes, another replica takes over and resumes after the last recorded tick', async () => {
    const { seen, replica } = await setup({
      fast: { task: 'beat.fast', schedule: 0.2, missed: 'all' },
    });
    const beats = [await replica(), await replica(), await replica()];
    await waitFor(
      '5 ticks',
      () => seen.length,
      (n) => n >= 5,
      10_000,
    );
    const takeovers: number[] = [];
    for (let round = 0; round < 2; round++) {
      const leader = await waitFor(
        'a leader',
        () => beats.find((b) => b.status().leader),
        Boolean,
        5_000,
      );
      const closedAt = Date.now();
      await leader!.close();
      beats.splice(beats.indexOf(leader!), 1);
      const next = await waitFor(
        'a new leader',
        () => beats.find((b) => b.status().leader),
        Boolean,
        5_000,
      );
      takeovers.push(next!.status().leaderSince!.getTime() - closedAt);
      const count = seen.length;
      await waitFor(
        'ticks from the new leader',
        () => seen.length,
        (n) => n >= count + 3,
        5_000,
      );
    }
    console.log(`beat takeover after a clean close: ${takeovers.join(' ms, ')} ms`);
    // No tick twice, and none missing between the first and the last (policy 'all' catches up).
    const times = seen.map((t) => t.scheduledAt).sort((a, b) => a - b);
    expect(new Set(times).size).toBe(times.length);
    const first = times[0]!;
    const last = times[times.length - 1]!;
    expect(times.length).toBe((last - first) / 200 + 1);
  });

  it("after downtime, 'once' sends one tick for the latest missed time and 'skip' only an on-time one", async () => {
    const { seen, replica } = await setup({
      once: { task: 'beat.once', schedule: 0.5, missed: 'once' },
      skip: { task: 'beat.skip', schedule: 0.5, missed: 'skip' },
    });
    const a = await replica();
    await waitFor(
      'ticks of both',
      () => new Set(seen.map((t) => t.entry)).size,
      (n) => n === 2,
      5_000,
    );
    await a.close();
    const downAt = Date.now();
    await new Promise((r) => setTimeout(r, 2_600));
    const before = seen.length;
    const b = await replica();
    await waitFor('b leads', () => b.status().leader, Boolean, 5_000);
    const upAt = b.status().leaderSince!.getTime();
    await waitFor(
      'a tick after the restart',
      () => seen.length,
      (n) => n > before + 2,
      5_000,
    );
    const after = seen.slice(before);
    const catchUp = (entry: string) =>
      after.filter((t) => t.entry === entry && t.scheduledAt > downAt && t.scheduledAt <= upAt);
    // About five due times fell in the gap. 'once' sends only the latest of them; 'skip' sends at most
    // that one, and only because it is still on time (under a second late).
    expect(catchUp('once')).toHaveLength(1);
    expect(catchUp('once')[0]!.scheduledAt).toBeGreaterThan(upAt - 500);
    expect(catchUp('skip').length).toBeLessThanOrEqual(1);
    for (const t of catchUp('skip')) expect(upAt - t.scheduledAt).toBeLessThanOrEqual(ON_TIME_MS);
  });

  it('a tick that reached its queue is always in the record, even when the leader is closed mid-send', async () => {
    const { seen, names, replica } = await setup({ fast: { task: 'beat.fast', schedule: 0.1 } });
    // Kill leaders over and over while they send; each new leader reads the stream and must never send a
    // tick that an earlier one got routed.
    const beats = [await replica(), await replica()];
    for (let i = 0; i < 6; i++) {
      const leader = await waitFor(
        'a leader',
        () => beats.find((b) => b.status().leader),
        Boolean,
        5_000,
      );
      await new Promise((r) => setTimeout(r, 150 + i * 37));
      await leader!.close();
      beats.splice(beats.indexOf(leader!), 1);
      beats.push(await replica());
    }
    await waitFor('a leader', () => beats.find((b) => b.status().leader), Boolean, 5_000);
    for (const b of beats.splice(0)) await b.close();
    // The stream holds exactly the ticks the queue got: each tick and its record were one publish.
    const recorded = await readStreamTickIds(connection, names.tickStream);
    await waitFor(
      'every recorded tick in the queue',
      () => seen.length,
      (n) => n >= recorded.size,
      5_000,
    );
    const ids = seen.map((t) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(recorded);
  });
});

async function readStreamTickIds(connection: ChannelModel, stream: string): Promise<Set<string>> {
  const ch = await connection.createChannel();
  const ids = new Set<string>();
  await ch.prefetch(1000);
  let lastAt = Date.now();
  await ch.consume(
    stream,
    (msg) => {
      if (!msg) return;
      lastAt = Date.now();
      const id: unknown = msg.properties.headers?.['id'];
      if (typeof id === 'string') ids.add(id);
      ch.ack(msg);
    },
    { arguments: { 'x-stream-offset': 'first' } },
  );
  await waitFor(
    'the stream to go quiet',
    () => Date.now() - lastAt,
    (ms) => ms > 500,
    10_000,
  );
  await ch.close();
  return ids;
}
