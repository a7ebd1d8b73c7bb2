import amqplib from 'amqplib';
import { DEAD_LETTER_HEADERS, deadLetterQueueName } from 'celeriac';
import type { Ledger } from '../../faults/support/ledger.js';

/** Moves every dead letter of `queue` into the ledger as `dead` rows (through any live node's URL). */
export async function drainDeadLetters(
  url: string,
  queue: string,
  ledger: Ledger,
): Promise<number> {
  const connection = await amqplib.connect(url);
  try {
    const channel = await connection.createChannel();
    let drained = 0;
    for (;;) {
      const msg = await channel.get(deadLetterQueueName(queue), { noAck: true });
      if (msg === false) return drained;
      const headers: Record<string, unknown> = msg.properties.headers ?? {};
      const reason = headers[DEAD_LETTER_HEADERS.reason];
      ledger.record({
        e: 'dead',
        id: String(headers['id']),
        t: Date.now(),
        reason: typeof reason === 'string' ? reason : 'unknown',
      });
      drained++;
    }
  } finally {
    await connection.close().catch(() => undefined);
  }
}
