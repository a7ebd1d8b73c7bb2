import { randomUUID } from 'node:crypto';
import type { ChannelModel, ConsumeMessage } from 'amqplib';
import { typedNumber } from '../message/header-values.js';
import { jsonMessage } from '../message/json-message.js';
import { parseJsonPayload } from '../message/json-payload.js';
import { PIDBOX } from '../revocation/pidbox-listener.js';

/** The exchange workers answer on, as kombu declares it: direct, not durable. */
export const REPLY_EXCHANGE = 'reply.celery.pidbox';

/** Which workers a command is for: every one, some by name, or those whose name matches a pattern. */
export interface CommandTarget {
  /** Node names; empty or absent means every worker. */
  readonly destination?: readonly string[] | undefined;
  /** A node-name pattern, used when no destination is given. */
  readonly pattern?: string;
  /** How `pattern` matches. @defaultValue `'glob'` */
  readonly matcher?: 'glob' | 'pcre';
}

export interface CallOptions extends CommandTarget {
  /** How long to collect replies. @defaultValue `1_000`, as `celery inspect` */
  readonly timeoutMs?: number;
  /** Stop waiting after this many replies (a named destination stops once every node answered). */
  readonly limit?: number;
}

/** One reply: the node that answered and what it said. */
export interface NodeReply {
  readonly node: string;
  readonly answer: unknown;
}

/**
 * Broadcasts one remote-control command on `celery.pidbox` as Celery's `app.control.broadcast(...,
 * reply=True)` does, and collects the replies on a queue of its own until the timeout (or `limit`).
 * Celery and Celeriac workers alike answer. Uses a channel of its own, closed before it returns.
 */
export async function callWorkers(
  connection: ChannelModel,
  method: string,
  args: Readonly<Record<string, unknown>>,
  options: CallOptions = {},
): Promise<NodeReply[]> {
  const timeoutMs = options.timeoutMs ?? 1_000;
  const destination = options.destination?.length ? [...options.destination] : null;
  const limit = options.limit ?? destination?.length ?? Infinity;
  const oid = randomUUID();
  const ticket = randomUUID();
  const channel = await connection.createChannel();
  channel.on('error', () => undefined);
  const replies: NodeReply[] = [];
  try {
    await channel.assertExchange(REPLY_EXCHANGE, 'direct', { durable: false, autoDelete: false });
    await channel.assertExchange(PIDBOX.exchange, 'fanout', { durable: false, autoDelete: false });
    const queue = `${oid}.${REPLY_EXCHANGE}`;
    await channel.assertQueue(queue, { durable: false, exclusive: true, autoDelete: true });
    await channel.bindQueue(queue, REPLY_EXCHANGE, oid);
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => {
      done = resolve;
    });
    const timer = setTimeout(done, timeoutMs);
    await channel.consume(
      queue,
      (message: ConsumeMessage | null) => {
        if (!message || message.properties.headers?.['ticket'] !== ticket) return;
        for (const reply of readReply(message.content)) replies.push(reply);
        if (replies.length >= limit) done();
      },
      { noAck: true },
    );
    const body = {
      method,
      arguments: args,
      destination,
      pattern: destination ? null : (options.pattern ?? null),
      matcher: destination || !options.pattern ? null : (options.matcher ?? 'glob'),
      ticket,
      reply_to: { exchange: REPLY_EXCHANGE, routing_key: oid },
    };
    const { content, properties } = jsonMessage(body, {
      deliveryMode: 2,
      priority: 0,
      headers: {
        clock: typedNumber(1),
        expires: { '!': 'float64', value: (Date.now() + timeoutMs) / 1000 },
      },
    });
    channel.publish(PIDBOX.exchange, '', content, properties);
    await finished;
    clearTimeout(timer);
    return replies;
  } finally {
    await channel.close().catch(() => undefined);
  }
}

/** `{<node>: <answer>}`, as every worker replies; anything else is ignored. */
function readReply(content: Buffer): NodeReply[] {
  const parsed = parseJsonPayload(content, { maxPayloadBytes: 16 * 1024 * 1024 });
  if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null) return [];
  return Object.entries(parsed.value as Record<string, unknown>).map(([node, answer]) => ({
    node,
    answer,
  }));
}
