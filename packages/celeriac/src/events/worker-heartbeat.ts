import { loadavg, type as osType } from 'node:os';
import { HEARTBEAT_SECONDS } from './celery-event.js';
import type { EventDispatcher } from './event-dispatcher.js';

/** Celeriac's name and version in worker events, where a Python worker sends `py-celery` and its own. */
export const SOFTWARE = { ident: 'celeriac', version: '0.1.0' } as const;

/** What a heartbeat reports about the worker's load. */
export interface WorkerLoad {
  /** Tasks running now. */
  readonly active: number;
  /** Tasks finished since the worker started. */
  readonly processed: number;
}

/**
 * `worker-online` at start, `worker-heartbeat` every 2 s, `worker-offline` on a clean stop, with Celery's
 * fields, so `celery events`, Flower and `celeriac events` list the worker and notice when it is gone
 * (a monitor counts a worker lost after a few missed heartbeats).
 */
export class WorkerHeartbeat {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dispatcher: EventDispatcher,
    private readonly load: () => WorkerLoad,
  ) {}

  start(): void {
    if (this.timer) return;
    void this.send('worker-online');
    this.timer = setInterval(() => {
      void this.send('worker-heartbeat');
    }, HEARTBEAT_SECONDS * 1000);
    // A heartbeat never keeps a process alive on its own.
    this.timer.unref();
  }

  /** Stops the heartbeats and resolves once `worker-offline` is confirmed (or dropped). */
  stop(): Promise<void> {
    if (!this.timer) return Promise.resolve();
    clearInterval(this.timer);
    this.timer = undefined;
    return this.send('worker-offline');
  }

  private send(type: string): Promise<void> {
    const { active, processed } = this.load();
    return this.dispatcher.send(type, {
      freq: HEARTBEAT_SECONDS,
      active,
      processed,
      loadavg: loadavg().map((load) => Math.round(load * 100) / 100),
      sw_ident: SOFTWARE.ident,
      sw_ver: SOFTWARE.version,
      sw_sys: osType(),
    });
  }
}
