import { Logger } from '@nestjs/common';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { BrokerConnection } from '../transport/broker-connection.js';
import type { Publisher } from '../transport/publisher.js';
import { errorMessage } from '../errors/error-text.js';
import { typedNumber } from '../message/header-values.js';
import { jsonMessage } from '../message/json-message.js';
import { parseJsonPayload } from '../message/json-payload.js';
import { pythonStringRepr } from '../message/python-repr.js';
import { ALSO_ON_STREAM_ARGUMENT } from './celery-revoke-broadcast.js';

/**
 * Celery's remote-control mailbox, as kombu 5.2 declares it (celery-protocol.md §12,
 * fixtures/celery-5.2.6/declarations.json): a non-durable fanout exchange, and one auto-delete queue per
 * worker node that expires 10 s after its worker is gone and drops commands older than 300 s.
 */
export const PIDBOX = {
  exchange: 'celery.pidbox',
  queueSuffix: '.celery.pidbox',
  queueExpiresMs: 10_000,
  messageTtlMs: 300_000,
} as const;

/** A revoke command from Celery's `app.control.revoke(task_id, terminate=...)`. */
export interface PidboxRevoke {
  readonly ids: readonly string[];
  readonly terminate: boolean;
  /** The revocation stream a Celeriac client also published it on, or null (sent by Celery itself). */
  readonly alsoOnStream: string | null;
}

/**
 * Answers one remote-control command: its reply (sent as `{<nodename>: reply}` when the caller waits for
 * one), or undefined to send none (`shutdown`). A thrown error is answered as Celery answers it:
 * `{error: "<repr of the exception>"}`.
 */
export type PidboxHandler = (args: Readonly<Record<string, unknown>>) => unknown;

/** Largest command body read; revoke commands are a few hundred bytes. */
const MAX_COMMAND_BYTES = 1024 * 1024;

/**
 * A worker's end of Celery's remote control: reads the commands addressed to this node (by name, by
 * pattern, or to every node) and answers them in Celery's formats. It answers `ping` and `revoke`
 * (applied to this worker's revoked ids, in memory only, as a Celery worker does) itself; the worker adds
 * every other command with `handle()` (see `control/`). A command no handler knows gets Celery's own
 * error reply, `{error: "KeyError('<method>')"}`. Commands are consumed without acks, as kombu does.
 * Best effort: a broken mailbox never stops the worker; the revocation stream is the durable path.
 */
export class PidboxListener {
  private readonly logger = new Logger(PidboxListener.name);
  private readonly queue: string;
  private channel: Channel | undefined;
  private stopConnectListener: (() => void) | undefined;
  private closed = false;
  private clock = 0;
  private readonly handlers = new Map<string, PidboxHandler>();

  constructor(
    private readonly connection: BrokerConnection,
    private readonly publisher: Publisher,
    private readonly nodeName: string,
    private readonly onRevoke: (revoke: PidboxRevoke) => void,
  ) {
    this.queue = `${nodeName}${PIDBOX.queueSuffix}`;
    this.handlers.set('ping', () => ({ ok: 'pong' }));
    this.handlers.set('revoke', (args) => this.revoke(args));
  }

  /** Answers `method` with `handler` from now on (replacing any handler it had). */
  handle(method: string, handler: PidboxHandler): void {
    this.handlers.set(method, handler);
  }

  /** The commands this node answers, for `celeriac control --help` and tests. */
  get methods(): readonly string[] {
    return [...this.handlers.keys()].sort();
  }

  /** Attaches now if connected, and again after every reconnect. Never throws. */
  start(): void {
    this.stopConnectListener = this.connection.onConnect((connection) => {
      void this.open(connection).catch((err: unknown) => {
        this.logger.warn(
          `Celery remote control (${this.queue}) is not available: ${errorMessage(err)}`,
        );
      });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopConnectListener?.();
    const channel = this.channel;
    this.channel = undefined;
    if (channel) await channel.close().catch(() => undefined);
  }

  private async open(connection: ChannelModel): Promise<void> {
    if (this.closed) return;
    const channel = await connection.createChannel();
    channel.on('error', (err: Error) => {
      this.logger.warn(`Celery remote control channel error: ${err.message}`);
    });
    if (this.isClosed()) {
      await channel.close().catch(() => undefined);
      return;
    }
    this.channel = channel;
    await channel.assertExchange(PIDBOX.exchange, 'fanout', { durable: false, autoDelete: false });
    await channel.assertQueue(this.queue, {
      durable: false,
      exclusive: false,
      autoDelete: true,
      arguments: { 'x-expires': PIDBOX.queueExpiresMs, 'x-message-ttl': PIDBOX.messageTtlMs },
    });
    await channel.bindQueue(this.queue, PIDBOX.exchange, '');
    await channel.consume(
      this.queue,
      (message) => {
        if (message) this.receive(message);
      },
      { noAck: true },
    );
  }

  /** A method, so the compiler does not narrow `closed` across awaits. */
  private isClosed(): boolean {
    return this.closed;
  }

  private receive(message: ConsumeMessage): void {
    const parsed = parseJsonPayload(message.content, { maxPayloadBytes: MAX_COMMAND_BYTES });
    if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null) return;
    const command = parsed.value as Record<string, unknown>;
    if (!isAddressedTo(command, this.nodeName)) return;
    const method = command['method'];
    const args = command['arguments'];
    if (typeof method !== 'string') return;
    const handler = this.handlers.get(method);
    void (async (): Promise<unknown> => {
      // Celery's own answer to a method it has no handler for: the KeyError of its lookup.
      if (!handler) return { error: `KeyError(${pythonStringRepr(method)})` };
      try {
        return await handler(
          typeof args === 'object' && args !== null ? (args as Record<string, unknown>) : {},
        );
      } catch (err: unknown) {
        return { error: errorRepr(err) };
      }
    })().then((answer) => {
      if (answer !== undefined) this.reply(command, answer);
    });
  }

  /** Celery's `revoke` control command, and what a Celery worker answers to it. */
  private revoke(args: Readonly<Record<string, unknown>>): unknown {
    const taskId = args['task_id'];
    const list: readonly unknown[] = Array.isArray(taskId) ? taskId : [taskId];
    const ids = list.filter((id): id is string => typeof id === 'string' && id !== '');
    if (ids.length === 0) {
      throw new TypeError("revoke() missing 1 required positional argument: 'task_id'");
    }
    const stream = args[ALSO_ON_STREAM_ARGUMENT];
    this.onRevoke({
      ids,
      terminate: args['terminate'] === true,
      alsoOnStream: typeof stream === 'string' ? stream : null,
    });
    return { ok: `tasks ${ids.join(', ')} flagged as revoked` };
  }

  /** Answers a command that asked for a reply (it has a ticket and a reply_to), as kombu's Node does. */
  private reply(command: Record<string, unknown>, answer: unknown): void {
    const ticket = command['ticket'];
    const replyTo = command['reply_to'];
    if (typeof ticket !== 'string' || typeof replyTo !== 'object' || replyTo === null) return;
    const { exchange, routing_key: routingKey } = replyTo as Record<string, unknown>;
    if (typeof exchange !== 'string' || typeof routingKey !== 'string') return;
    this.clock++;
    void this.publisher
      .publish({
        exchange,
        routingKey,
        message: jsonMessage(
          { [this.nodeName]: answer },
          { deliveryMode: 1, headers: { ticket, clock: typedNumber(this.clock) } },
        ),
        mandatory: false,
        what: `a Celery remote-control reply to ${routingKey}`,
      })
      .catch((err: unknown) => {
        this.logger.warn(`Could not answer a Celery remote-control command: ${errorMessage(err)}`);
      });
  }
}

/**
 * kombu's addressing: a command runs on the nodes its `destination` lists; without one, on the nodes
 * whose name matches `pattern` (`matcher` `glob`, or `pcre` for a regular expression matched from the
 * start); with neither, on every node.
 */
export function isAddressedTo(
  command: Readonly<Record<string, unknown>>,
  nodeName: string,
): boolean {
  const destination = command['destination'];
  if (Array.isArray(destination) && destination.length > 0) return destination.includes(nodeName);
  const pattern = command['pattern'];
  const matcher = command['matcher'];
  if (typeof pattern === 'string' && pattern !== '' && typeof matcher === 'string') {
    return matchesPattern(nodeName, pattern, matcher);
  }
  return true;
}

function matchesPattern(name: string, pattern: string, matcher: string): boolean {
  try {
    if (matcher === 'pcre') return new RegExp(`^(?:${pattern})`).test(name);
    if (matcher === 'glob') return globToRegExp(pattern).test(name);
  } catch {
    return false;
  }
  return false;
}

/** fnmatch's glob: `*`, `?` and `[...]`; everything else literal. */
function globToRegExp(glob: string): RegExp {
  let source = '';
  for (const ch of glob) {
    if (ch === '*') source += '.*';
    else if (ch === '?') source += '.';
    else if (ch === '[' || ch === ']') source += ch;
    else source += ch.replace(/[.*+?^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** How kombu reports a command that raised: `repr(exc)`, e.g. `TypeError("...")`. */
function errorRepr(err: unknown): string {
  if (err instanceof Error) return `${err.name}(${pythonStringRepr(err.message)})`;
  return `Exception(${pythonStringRepr(String(err))})`;
}
