/**
 * The revocation stream's name, arguments and declaration, in one place (as `broker/topology.ts` is for task
 * queues). A RabbitMQ stream (core since 3.9, no plugin) is an append-only log that consumers read from any
 * point without removing anything: every worker reads every revocation, and one that starts later reads the
 * last window back by timestamp.
 */
import type { TopologyChannel } from '../transport/topology.js';
import { RevocationStreamError } from '../errors/revocation-stream.error.js';

/** The stream-specific `x-` arguments Celeriac uses. */
export const STREAM_ARGUMENTS = {
  queueType: 'x-queue-type',
  maxAge: 'x-max-age',
  maxSegmentSizeBytes: 'x-stream-max-segment-size-bytes',
  /** A consumer argument: where reading starts (an offset, `first`, `last`, `next`, or a timestamp). */
  offset: 'x-stream-offset',
} as const;

/**
 * Segment size of the stream. RabbitMQ applies `x-max-age` by deleting whole segments whose every message is
 * older, and the default segment is 500 MB, so with records of ~200 bytes retention would never bite; 1 MB
 * segments (about 5 000 revocations) keep the disk footprint close to the retention window.
 */
export const REVOCATION_SEGMENT_BYTES = 1_000_000;

/** What identifies one revocation stream. */
export interface RevocationStreamSpec {
  readonly name: string;
  readonly retentionMs: number;
}

/** `x-max-age` for a retention, in whole seconds rounded up (RabbitMQ takes `<n>s`, `<n>m`, `<n>h`, ...). */
export function maxAgeArgument(retentionMs: number): string {
  return `${Math.ceil(retentionMs / 1000)}s`;
}

/** The arguments `queue.declare` gets for the stream, as a new object. */
export function revocationStreamArguments(spec: RevocationStreamSpec): Record<string, unknown> {
  return {
    [STREAM_ARGUMENTS.queueType]: 'stream',
    [STREAM_ARGUMENTS.maxAge]: maxAgeArgument(spec.retentionMs),
    [STREAM_ARGUMENTS.maxSegmentSizeBytes]: REVOCATION_SEGMENT_BYTES,
  };
}

/**
 * Where a consumer starts reading: just after `lastOffset` when it read the stream before (a re-attach
 * resumes there), else at `since` (ms since the epoch), as an AMQP timestamp (whole seconds, rounded down,
 * so nothing of the window is missed; older records are dropped by the reader).
 */
export function streamOffset(
  lastOffset: number | null,
  since: number,
): number | { readonly '!': 'timestamp'; readonly value: number } {
  if (lastOffset !== null) return lastOffset + 1;
  return { '!': 'timestamp', value: Math.max(0, Math.floor(since / 1000)) };
}

/**
 * Declares the stream: durable (streams always are), with the retention of `spec`. Idempotent while every
 * process declares it with the same retention.
 *
 * @throws RevocationStreamError when the broker refuses the declaration: the queue exists with another
 *   retention or is not a stream (406), or streams are not enabled. The channel is closed by the broker then.
 */
export async function assertRevocationStream(
  channel: TopologyChannel,
  spec: RevocationStreamSpec,
): Promise<void> {
  try {
    await channel.assertQueue(spec.name, {
      durable: true,
      exclusive: false,
      autoDelete: false,
      arguments: revocationStreamArguments(spec),
    });
  } catch (err: unknown) {
    throw RevocationStreamError.fromDeclare(spec, err);
  }
}
