import { randomUUID } from 'node:crypto';
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import { publishConfirmed } from './confirmed-publish.js';
import { RECORD_HEADER, TickLog, type BeatRecord } from './tick-log.js';

/** Stream messages the broker may push before the reader acks; streams need a prefetch. */
const READ_PREFETCH = 1_000;

/** Publishes one beat record (a fence or a checkpoint) to the tick stream, confirmed. */
export async function publishRecord(
  channel: ConfirmChannel,
  stream: string,
  record: BeatRecord,
  timeoutMs: number,
): Promise<void> {
  await publishConfirmed(
    channel,
    '',
    stream,
    Buffer.from(JSON.stringify(record), 'utf8'),
    {
      persistent: true,
      contentType: 'application/json',
      headers: { [RECORD_HEADER]: record.kind },
    },
    timeoutMs,
  );
}

/**
 * Reads the whole tick stream as of now: writes a fence with a fresh nonce, then reads from the first
 * message until that fence. Everything written to the stream before the fence (every tick any leader got
 * routed, since each tick's copy travels in the same publish) is then in the returned log.
 *
 * @param by - who reads, written into the fence
 * @throws when the fence is not confirmed or not read back within `timeoutMs`
 */
export async function readTickLog(
  connection: ChannelModel,
  publishChannel: ConfirmChannel,
  stream: string,
  by: string,
  timeoutMs: number,
): Promise<TickLog> {
  const nonce = randomUUID();
  await publishRecord(
    publishChannel,
    stream,
    { kind: 'fence', by, at: Date.now(), nonce },
    timeoutMs,
  );
  const channel = await connection.createChannel();
  channel.on('error', () => undefined);
  const log = new TickLog();
  try {
    await channel.prefetch(READ_PREFETCH);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new Error(
            `did not read the tick stream "${stream}" up to its end within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      channel.on('close', () => {
        clearTimeout(timer);
        reject(new Error(`the channel reading "${stream}" closed`));
      });
      channel
        .consume(
          stream,
          (message) => {
            if (message === null) {
              clearTimeout(timer);
              reject(new Error(`the broker cancelled the reader of "${stream}"`));
              return;
            }
            // Acks only return credit to a stream consumer; they remove nothing.
            channel.ack(message);
            const fence = log.apply({
              headers: message.properties.headers ?? {},
              content: message.content,
            });
            if (fence === nonce) {
              clearTimeout(timer);
              resolve();
            }
          },
          { noAck: false, arguments: { 'x-stream-offset': 'first' } },
        )
        .catch((err: unknown) => {
          clearTimeout(timer);
          reject(err instanceof Error ? err : new Error(String(err)));
        });
    });
  } finally {
    await channel.close().catch(() => undefined);
  }
  return log;
}
