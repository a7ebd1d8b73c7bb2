import amqplib from 'amqplib';
import type { ResolvedBeatEntry, ResolvedSchedule } from '../options/beat-options.js';
import type { ResolvedTaskQueueOptions } from '../options/task-queue-options.js';
import { tlsSocketOptions } from '../options/tls-options.js';
import { CHECKPOINT_EVERY_MS, withHeartbeat } from './beat.js';
import { assertBeatTopology, beatNames } from './beat-topology.js';
import { compileSchedule } from './schedule-times.js';
import { readTickLog } from './tick-log-reader.js';

/** What `celeriac beat --list` shows. */
export interface BeatListing {
  /** The replica that wrote the latest checkpoint, and when; null if none was ever written. */
  readonly leader: { readonly by: string; readonly at: Date } | null;
  /** True when that checkpoint is recent enough that the replica very likely still leads. */
  readonly leaderLive: boolean;
  readonly entries: readonly {
    readonly name: string;
    readonly task: string;
    readonly schedule: string;
    readonly missed: string;
    readonly lastTick: Date | null;
    readonly nextRun: Date | null;
  }[];
}

/**
 * Reads the tick stream (up to a fence of its own, like a new leader) and reports each entry's last
 * recorded tick and next run, and the leader named by the latest checkpoint. Takes no part in the election.
 */
export async function listBeat(
  options: ResolvedTaskQueueOptions,
  entries: readonly ResolvedBeatEntry[],
  now: number = Date.now(),
): Promise<BeatListing> {
  const names = beatNames(options.beat.prefix);
  const url = withHeartbeat(options.urls[0] ?? '', options.heartbeatSeconds);
  const connection = await amqplib.connect(url, {
    ...tlsSocketOptions(options.tls),
    timeout: options.connectTimeoutMs,
  });
  try {
    const channel = await connection.createConfirmChannel();
    await assertBeatTopology(channel, names);
    const log = await readTickLog(
      connection,
      channel,
      names.tickStream,
      `list-${process.pid}`,
      options.connectTimeoutMs * 6,
    );
    const leader = log.lastLeader;
    return {
      leader: leader === null ? null : { by: leader.by, at: new Date(leader.at) },
      leaderLive: leader !== null && now - leader.at <= CHECKPOINT_EVERY_MS + options.beat.leaseMs,
      entries: entries.map((entry) => {
        const last = log.last.get(entry.name);
        const next = compileSchedule(entry.schedule).nextAfter(now);
        return {
          name: entry.name,
          task: entry.task,
          schedule: describeSchedule(entry.schedule),
          missed: entry.missed,
          lastTick: last === undefined ? null : new Date(last),
          nextRun: next === null ? null : new Date(next),
        };
      }),
    };
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** A schedule in a few words, for listings and logs. */
export function describeSchedule(schedule: ResolvedSchedule): string {
  switch (schedule.kind) {
    case 'cron':
      return `cron ${schedule.expression} (${schedule.timezone})`;
    case 'interval':
      return `every ${schedule.everyMs / 1000}s`;
    case 'once':
      return `once at ${new Date(schedule.atMs).toISOString()}`;
  }
}

/** The listing as a plain-text table. */
export function formatListing(listing: BeatListing, now: number = Date.now()): string {
  const leader =
    listing.leader === null
      ? 'Leader: none has led yet'
      : `Leader: ${listing.leader.by} (last checkpoint ${Math.round((now - listing.leader.at.getTime()) / 1000)} s ago${listing.leaderLive ? '' : '; none seems to lead now'})`;
  const header = ['NAME', 'TASK', 'SCHEDULE', 'MISSED', 'LAST TICK', 'NEXT RUN'];
  const rows = listing.entries.map((e) => [
    e.name,
    e.task,
    e.schedule,
    e.missed,
    e.lastTick?.toISOString() ?? '-',
    e.nextRun?.toISOString() ?? '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [leader, '', line(header), ...rows.map(line)].join('\n');
}
