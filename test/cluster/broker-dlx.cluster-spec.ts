import amqplib, { type Channel, type ChannelModel } from 'amqplib';
import { RabbitCluster } from './support/rabbit-cluster.js';
import { pollUntil, type RabbitNode } from './support/rabbit-node.js';

/**
 * RabbitMQ itself, no Celeriac: one hop of a delay cascade (a quorum queue with a message TTL that
 * dead-letters at-least-once into a quorum "ready" queue). Its leader node is killed while it holds
 * messages, and that node also holds the publisher's and the consumer's connections (as Celeriac's
 * would be, when that node is the first URL). This is the broker baseline for the cascade test in
 * node-loss.cluster-spec.ts: when this fails, the loss is the broker's, not Celeriac's. On RabbitMQ
 * 3.10.8 it fails in some runs (3 of 10 so far: 69 of 140, 91 of 141 and 87 of 140 never reached
 * "ready") and passes in others. The missing messages are not in any count `list_queues` shows: they
 * stay in the source queue as dead-lettered messages that no dead-letter worker moves (in the last
 * failing run 32 checked out to the worker that died with its node, 55 waiting behind them, with a new
 * worker running on the new leader), also after the killed node is back.
 */
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function open(url: string): Promise<{ conn: ChannelModel; ch: Channel }> {
  const conn = await amqplib.connect(url);
  conn.on('error', () => undefined);
  const ch = await conn.createChannel();
  ch.on('error', () => undefined);
  await ch.prefetch(100);
  return { conn, ch };
}

/** Waits until `queue`'s three members follow one leader in one term at one commit index. */
async function quorumSettled(cluster: RabbitCluster, queue: string): Promise<void> {
  await pollUntil(
    `every member of ${queue} online and caught up`,
    async () => {
      const members = JSON.parse(
        await cluster.nodes[0]!.queues(['quorum_status', queue, '--formatter', 'json'], 15_000),
      ) as Record<string, unknown>[];
      const field = (m: Record<string, unknown>, name: string): unknown =>
        m[name] ?? m[name.replace(/ /g, '_')];
      const states = members.map((m) => field(m, 'Raft State'));
      return (
        members.length === 3 &&
        states.filter((s) => s === 'leader').length === 1 &&
        states.filter((s) => s === 'follower').length === 2 &&
        new Set(
          members.map((m) => `${String(field(m, 'Term'))}/${String(field(m, 'Commit Index'))}`),
        ).size === 1
      );
    },
    30_000,
  );
}

/**
 * The dead-letter part of `queue`'s state on `node` (messages waiting for, and checked out to, the
 * dead-letter worker) and the dead-letter workers running there.
 */
async function dlxState(node: RabbitNode, queue: string): Promise<string> {
  const overview = await node
    .ctl([
      'eval',
      `{ok, O, _} = ra:local_query({'%2F_${queue}', node()}, fun rabbit_fifo:overview/1), ` +
        `maps:with([num_messages, num_ready_messages, num_discarded, num_discard_checked_out], element(2, O)).`,
    ])
    .catch((err: unknown) => (err instanceof Error ? err.message.split('\n')[0]! : String(err)));
  const workers = await node
    .ctl(['eval', 'length(supervisor:which_children(rabbit_fifo_dlx_sup)).'])
    .catch(() => '?');
  return `${overview.trim()}; dead-letter workers ${workers.trim()}`;
}

describe('RabbitMQ: at-least-once dead-lettering across a leader kill', () => {
  let cluster: RabbitCluster | undefined;
  afterAll(async () => {
    await cluster?.destroy();
  });

  it('every confirmed message in the TTL queue reaches the ready queue', async () => {
    cluster = await RabbitCluster.start(3);
    const c1 = cluster.nodes[0]!;
    const c2 = cluster.nodes[1]!;
    const conn = await amqplib.connect(c1.url());
    conn.on('error', () => undefined);
    const pub = await conn.createConfirmChannel();
    pub.on('error', () => undefined);
    await pub.assertExchange('out', 'topic', { durable: true });
    await pub.assertQueue('ready', { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await pub.bindQueue('ready', 'out', '#');
    await pub.assertQueue('level', {
      durable: true,
      arguments: {
        'x-queue-type': 'quorum',
        'x-message-ttl': 2_000,
        'x-dead-letter-exchange': 'out',
        'x-dead-letter-strategy': 'at-least-once',
        'x-overflow': 'reject-publish',
      },
    });
    // reliability.md §1: never crash a quorum queue moments after its declaration. Wait until every
    // replica follows one leader at the same commit index.
    for (const queue of ['level', 'ready']) await quorumSettled(cluster, queue);

    const seen = new Set<string>();
    const consume = async (ch: Channel): Promise<void> => {
      await ch.consume('ready', (m) => {
        if (!m) return;
        seen.add(m.content.toString());
        ch.ack(m);
      });
    };
    const first = await open(c1.url());
    await consume(first.ch);
    let confirmed = 0;
    let publishing = true;
    const stillPublishing = (): boolean => publishing;
    const publisher = (async () => {
      for (let i = 0; stillPublishing(); i++) {
        try {
          pub.sendToQueue('level', Buffer.from(String(i)), { persistent: true });
          await pub.waitForConfirms();
          confirmed = i + 1;
        } catch {
          return; // the connection died with the node: i was not confirmed
        }
        await sleep(20);
      }
    })();
    await pollUntil('140 confirmed', () => Promise.resolve(confirmed >= 140), 30_000);
    await c1.kill();
    publishing = false;
    await publisher;
    const lastConfirmAt = Date.now();
    const second = await open(c2.url());
    await consume(second.ch);
    // The node stays away until a survivor leads "level" and every confirmed message's TTL ran out,
    // so they are dead-lettered by the new leader, then comes back.
    await pollUntil(
      'a new leader of level on a surviving node',
      async () => {
        const leader = await cluster!.leaderOf('level', '/', c2);
        return leader && leader !== c1;
      },
      30_000,
    );
    await pollUntil(
      'the TTL of every confirmed message to run out',
      () => Promise.resolve(Date.now() > lastConfirmAt + 3_000),
      10_000,
    );
    await c1.boot();
    await cluster.awaitRunning(3, 60_000, c2);
    const missing = (): number[] =>
      Array.from({ length: confirmed }, (_, i) => i).filter((i) => !seen.has(String(i)));
    await pollUntil(
      'every confirmed message in ready',
      () => Promise.resolve(missing().length === 0),
      30_000,
    ).catch(() => undefined);
    const queues = await c2.ctl([
      'list_queues',
      'name',
      'messages_ready',
      'messages_unacknowledged',
    ]);
    // Where the missing ones are: `list_queues` does not count dead-lettered messages the source queue
    // still holds for its dead-letter worker; the queue's own state and the workers running do.
    const held = await Promise.all(
      cluster.nodes.map(async (n) => `${n.node}: ${await dlxState(n, 'level')}`),
    );
    console.log(
      `RabbitMQ ${await c2.ctl(['version'])}`.trim() +
        `: confirmed ${confirmed}, reached ready ${seen.size}, missing ${missing().length}\n${queues}` +
        `level's dead-letter state per node:\n${held.join('\n')}`,
    );
    await second.conn.close();
    expect(missing()).toEqual([]);
  });
});
