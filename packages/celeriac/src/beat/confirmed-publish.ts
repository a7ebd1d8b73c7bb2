import type { ConfirmChannel, Options } from 'amqplib';

/**
 * Publishes on a confirm channel and resolves on the broker's ack; rejects on a nack, a closed channel, or
 * no confirm within `timeoutMs`. Never retries: a beat that cannot tell whether a tick went out steps down
 * and lets the next leader read the tick stream instead (reliability.md §4.3: re-evaluated, not replayed).
 */
export function publishConfirmed(
  channel: ConfirmChannel,
  exchange: string,
  routingKey: string,
  content: Buffer,
  options: Options.Publish,
  timeoutMs: number,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`the broker did not confirm the publish within ${timeoutMs} ms`));
    }, timeoutMs);
    try {
      channel.publish(exchange, routingKey, content, options, (err: unknown) => {
        clearTimeout(timer);
        if (err === null || err === undefined) resolve();
        else
          reject(err instanceof Error ? err : new Error('the broker refused the publish (nack)'));
      });
    } catch (err: unknown) {
      clearTimeout(timer);
      reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
}
