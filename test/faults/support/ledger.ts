import { closeSync, fdatasyncSync, openSync, readFileSync, writeSync } from 'node:fs';

/**
 * One row of the fault ledger. Times are epoch ms. `t0` of a publish is when `send()` was called, `t`
 * when it settled; a task's rows carry the pid of the process that ran it.
 */
export type LedgerEvent =
  /** `send()` resolved: the broker confirmed the task. */
  | { readonly e: 'sent'; readonly id: string; readonly t0: number; readonly t: number }
  /** `send()` rejected; `maybeEnqueued` is the library's own word on whether it may still arrive. */
  | {
      readonly e: 'send-failed';
      readonly id: string;
      readonly t0: number;
      readonly t: number;
      readonly error: string;
      readonly maybeEnqueued: boolean;
    }
  /** The handler began (before its side effect). */
  | {
      readonly e: 'started';
      readonly id: string;
      readonly t: number;
      readonly pid: number;
      readonly redelivered: boolean;
    }
  /** Written inside the handler, after its side effect: the task ran. */
  | {
      readonly e: 'done';
      readonly id: string;
      readonly t: number;
      readonly pid: number;
      readonly redelivered: boolean;
    }
  /** Drained from a dead-letter queue. */
  | { readonly e: 'dead'; readonly id: string; readonly t: number; readonly reason: string }
  /** A worker process is consuming. */
  | { readonly e: 'ready'; readonly pid: number; readonly t: number };

/** Where handlers write their rows; `Ledger` in-process, `FileLedger` in a worker process. */
export interface LedgerSink {
  record(event: LedgerEvent): void;
}

/** The in-memory ledger of one scenario. */
export class Ledger implements LedgerSink {
  readonly events: LedgerEvent[] = [];

  record(event: LedgerEvent): void {
    this.events.push(event);
  }

  /** Adds the rows a worker process wrote to its file. */
  merge(events: readonly LedgerEvent[]): void {
    // One push per row: spreading a soak's hundreds of thousands of rows overflows the call stack.
    for (const event of events) this.events.push(event);
  }

  count(kind: LedgerEvent['e'], pid?: number): number {
    return this.events.filter((ev) => ev.e === kind && (pid === undefined || pidOf(ev) === pid))
      .length;
  }

  /** Distinct ids with at least one row of `kind`. */
  ids(kind: 'sent' | 'send-failed' | 'started' | 'done' | 'dead'): Set<string> {
    const out = new Set<string>();
    for (const ev of this.events) if (ev.e === kind) out.add(ev.id);
    return out;
  }
}

function pidOf(ev: LedgerEvent): number | undefined {
  return 'pid' in ev ? ev.pid : undefined;
}

/**
 * An append-only JSONL ledger for a worker process: each row is written and fdatasync'ed before the
 * handler goes on, so a SIGKILL right after a `done` row cannot lose it.
 */
export class FileLedger implements LedgerSink {
  private readonly fd: number;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'a');
  }

  record(event: LedgerEvent): void {
    writeSync(this.fd, `${JSON.stringify(event)}\n`);
    fdatasyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }

  /** Every complete row of a ledger file (a torn last line of a killed writer is skipped). */
  static read(path: string): LedgerEvent[] {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return [];
    }
    const out: LedgerEvent[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        out.push(JSON.parse(line) as LedgerEvent);
      } catch {
        // a line cut short by SIGKILL
      }
    }
    return out;
  }
}
