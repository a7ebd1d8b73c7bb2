import { randomUUID } from 'node:crypto';
import type { TaskClient } from 'celeriac';

/** How one awaited task ended: its result came, or `send()`/`get()` rejected (with the error's name). */
export interface ResultOutcome {
  readonly id: string;
  /** When `send()` was called, when it resolved, and when `get()` settled (epoch ms). */
  readonly t0: number;
  readonly sentAt: number | null;
  readonly t: number;
  readonly ok: boolean;
  readonly error?: string;
}

/**
 * `lanes` loops of `send('faults.record')` then `get({ timeoutMs })`, as a request handler awaiting a short
 * task does, until `stop()`. Every task's outcome is kept, so a test can tell results that came from results
 * that timed out, and see that no `get()` outlived its timeout.
 */
export class ResultLoad {
  readonly outcomes: ResultOutcome[] = [];
  private stopped = false;
  private readonly done: Promise<void>;

  constructor(
    private readonly client: TaskClient,
    lanes: number,
    private readonly timeoutMs: number,
    private readonly pauseMs = 20,
  ) {
    this.done = Promise.all(Array.from({ length: lanes }, () => this.lane())).then(() => undefined);
  }

  /** Results received so far. */
  get received(): number {
    return this.outcomes.filter((o) => o.ok).length;
  }

  /** Stops starting tasks; resolves once every pending `get()` settled. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }

  private async lane(): Promise<void> {
    while (!this.stopped) {
      const id = randomUUID();
      const t0 = Date.now();
      let sentAt: number | null = null;
      try {
        const handle = await this.client.send('faults.record', [2], {}, { taskId: id });
        sentAt = Date.now();
        await handle.get({ timeoutMs: this.timeoutMs });
        this.outcomes.push({ id, t0, sentAt, t: Date.now(), ok: true });
      } catch (err: unknown) {
        const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        this.outcomes.push({ id, t0, sentAt, t: Date.now(), ok: false, error });
      }
      await new Promise((resolve) => setTimeout(resolve, this.pauseMs));
    }
  }
}
