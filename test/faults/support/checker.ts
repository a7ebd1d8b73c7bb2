import type { Ledger, LedgerEvent } from './ledger.js';

/** An injected fault: from just before the command was issued until it returned (or recovery was seen). */
export interface FaultWindow {
  readonly label: string;
  readonly from: number;
  readonly to: number;
  /** For a fault that kills one worker process: only tasks that process ran are exposed to it. */
  readonly pid?: number;
}

/** What a scenario measured. */
export interface Verdict {
  readonly sent: number;
  readonly done: number;
  readonly dead: number;
  /** Confirmed ids that were neither done nor dead-lettered. */
  readonly lost: readonly string[];
  /** Ids that ran (or died) more than once. */
  readonly duplicates: readonly string[];
  /** Duplicates whose publish or first run overlapped an injected fault. */
  readonly explained: readonly string[];
  /** Ids done or dead that `send()` never confirmed (it rejected them, or they were published raw). */
  readonly unconfirmedArrivals: readonly string[];
  readonly line: string;
}

/**
 * An ack goes out right after the handler's `done` row (or after the result's confirm). A fault within
 * this long after `done` can still beat the ack to the broker, which then redelivers the task.
 */
const ACK_SLACK_MS = 1_000;

/** What, besides its publish and its first run, exposes a task to a fault. */
export interface CheckOptions {
  /**
   * The tasks were delayed: from publish to first run each sat in the delay cascade, whose quorum
   * levels dead-letter at-least-once and whose forwarder acks its copy after the forward publish.
   * A fault anywhere in that stay may store the task twice (reliability.md §3), so it explains a
   * duplicate too.
   */
  readonly delayed?: boolean;
}

/**
 * Checks a ledger against the at-least-once promise: lost = sent − (done ∪ dead); a duplicate is an id
 * that ran or died more than once; it is explained only when an injected fault overlapped that id:
 * its publish (a publish retried after a channel close reaches the queue twice) or its first run up to
 * its ack (the broker redelivers an unacked task).
 */
export function check(
  scenario: string,
  ledger: Ledger,
  faults: readonly FaultWindow[],
  extra = '',
  options: CheckOptions = {},
): Verdict {
  const sentAt = new Map<string, { t0: number; t: number }>();
  const runs = new Map<string, LedgerEvent[]>();
  const arrivals = new Set<string>();
  for (const ev of ledger.events) {
    if (ev.e === 'sent') sentAt.set(ev.id, { t0: ev.t0, t: ev.t });
    if (ev.e === 'done' || ev.e === 'dead' || ev.e === 'started') {
      const list = runs.get(ev.id) ?? [];
      list.push(ev);
      runs.set(ev.id, list);
    }
    if (ev.e === 'done' || ev.e === 'dead') arrivals.add(ev.id);
  }
  const lost = [...sentAt.keys()].filter((id) => !arrivals.has(id));
  const duplicates: string[] = [];
  const explained: string[] = [];
  for (const [id, events] of runs) {
    const endings = events.filter((ev) => ev.e === 'done' || ev.e === 'dead');
    if (endings.length < 2) continue;
    duplicates.push(id);
    if (isExplained(sentAt.get(id), events, faults, options)) explained.push(id);
  }
  const unconfirmedArrivals = [...arrivals].filter((id) => !sentAt.has(id));
  const done = ledger.ids('done').size;
  const dead = ledger.ids('dead').size;
  const unexplained = duplicates.filter((id) => !explained.includes(id));
  const line =
    `${scenario}: sent ${sentAt.size}, done ${done}, dead ${dead}, lost ${lost.length}, ` +
    `duplicates ${duplicates.length} (explained ${explained.length})${extra ? `; ${extra}` : ''}` +
    unexplained
      .map(
        (id) =>
          `\n  unexplained duplicate ${describe(id, sentAt.get(id), runs.get(id))}` +
          nearbyFaults(sentAt.get(id), runs.get(id), faults),
      )
      .join('');
  return {
    sent: sentAt.size,
    done,
    dead,
    lost,
    duplicates,
    explained,
    unconfirmedArrivals,
    line,
  };
}

function overlaps(from: number, to: number, fault: FaultWindow): boolean {
  return from <= fault.to && to >= fault.from;
}

/** One duplicate's timeline, for the scenario's log: what the checker saw when it could not explain it. */
function describe(
  id: string,
  sent: { t0: number; t: number } | undefined,
  events: readonly LedgerEvent[] = [],
): string {
  const origin = sent?.t0 ?? events[0]?.t ?? 0;
  const rows = events.map((ev) => `${ev.e} +${ev.t - origin} ms`);
  return `${id}: sent ${sent ? `+0…+${sent.t - sent.t0} ms` : 'unconfirmed'}, ${rows.join(', ')}`;
}

/** The faults within 10 s of a duplicate's timeline, relative to its send, so a log says what was near. */
function nearbyFaults(
  sent: { t0: number; t: number } | undefined,
  events: readonly LedgerEvent[] = [],
  faults: readonly FaultWindow[],
): string {
  const origin = sent?.t0 ?? events[0]?.t ?? 0;
  const last = events.at(-1)?.t ?? origin;
  const near = faults.filter((f) => overlaps(origin - 10_000, last + 10_000, f));
  if (near.length === 0) return '; no fault within 10 s';
  const at = (f: FaultWindow): string =>
    `${f.label}${f.pid === undefined ? '' : ` (pid ${f.pid})`} +${f.from - origin}…+${f.to - origin} ms`;
  return `; faults near it: ${near.map(at).join(', ')}`;
}

function isExplained(
  sent: { t0: number; t: number } | undefined,
  events: readonly LedgerEvent[],
  faults: readonly FaultWindow[],
  options: CheckOptions,
): boolean {
  // A publish in flight during the fault may have been stored once before the close and once on retry.
  if (sent && faults.some((f) => f.pid === undefined && overlaps(sent.t0, sent.t, f))) return true;
  const first = events.find((ev) => ev.e === 'started');
  const firstEnd = events.find((ev) => ev.e === 'done' || ev.e === 'dead');
  if (!first || !firstEnd) return false;
  // A delayed task waited in the broker's cascade from its publish until its first run, and a worker's
  // delay forwarder moved it out, acking its copy only after the forward was confirmed: a broker fault
  // in that stay, or the kill of any worker (the forwarder may be any of them, not the one that ran the
  // task) before that ack, stores it twice.
  if (options.delayed && sent && faults.some((f) => overlaps(sent.t0, first.t + ACK_SLACK_MS, f)))
    return true;
  // A first run whose ack the fault may have beaten: started before the fault ended, and not finished
  // (plus the ack's way to the broker) before it began.
  return faults.some(
    (f) =>
      (f.pid === undefined || f.pid === first.pid) &&
      overlaps(first.t, firstEnd.t + ACK_SLACK_MS, f),
  );
}
