/**
 * The beat's two broker entities, their names and arguments in one place:
 * - `<prefix>.leader`: the election. A quorum queue with single active consumer: every replica consumes it,
 *   the broker delivers to one of them only, and hands over to the next one when that consumer's channel
 *   or connection is gone. Replicas publish small "pulses" to it; receiving one means "you are the active
 *   consumer". Pulses expire and the queue is capped, so it never grows.
 * - `<prefix>.ticks`: the record. A stream that receives a copy of every tick in the same publish (the
 *   tick's BCC header names it), plus the beat's own fences and checkpoints. Size-capped.
 */
import type { TopologyChannel } from '../transport/topology.js';

export interface BeatNames {
  readonly leaderQueue: string;
  readonly tickStream: string;
}

/**
 * The broker names a beat with this `prefix` uses: its leader queue and its tick stream (for permissions,
 * policies and clean-up).
 */
export function beatNames(prefix: string): BeatNames {
  return { leaderQueue: `${prefix}.leader`, tickStream: `${prefix}.ticks` };
}

/** Pulses older than this are dropped unread: only a fresh delivery says anything. */
const PULSE_TTL_MS = 5_000;
/** At most this many pulses wait; the oldest go first. */
const PULSE_QUEUE_MAX = 100;
/**
 * Retention of the tick stream, by size: about 7 000 ticks of 700 bytes. A new leader reads the whole stream
 * back, so this bounds the takeover time; checkpoints repeat every entry's state well within it.
 */
export const TICK_STREAM_MAX_BYTES = 5_000_000;
/** Retention drops whole segments; small ones keep the stream close to its cap. */
const TICK_STREAM_SEGMENT_BYTES = 1_000_000;

export async function assertBeatTopology(
  channel: TopologyChannel,
  names: BeatNames,
): Promise<void> {
  await channel.assertQueue(names.leaderQueue, {
    durable: true,
    exclusive: false,
    autoDelete: false,
    arguments: {
      'x-queue-type': 'quorum',
      'x-single-active-consumer': true,
      'x-message-ttl': PULSE_TTL_MS,
      'x-max-length': PULSE_QUEUE_MAX,
      'x-overflow': 'drop-head',
    },
  });
  await channel.assertQueue(names.tickStream, {
    durable: true,
    exclusive: false,
    autoDelete: false,
    arguments: {
      'x-queue-type': 'stream',
      'x-max-length-bytes': TICK_STREAM_MAX_BYTES,
      'x-stream-max-segment-size-bytes': TICK_STREAM_SEGMENT_BYTES,
    },
  });
}
