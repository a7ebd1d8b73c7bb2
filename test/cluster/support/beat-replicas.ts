import { BeatService, type TaskQueueOptions } from 'celeriac';
import { startClient } from '../../support/apps.js';
import { BeatProcess } from '../../faults/support/beat-process.js';

/** One beat replica of a cluster test, in-process or a `celeriac beat` process. */
export interface BeatReplica {
  /** True once this replica took the lead at or after `t` (epoch ms). */
  ledSince(t: number): boolean;
  close(): Promise<void>;
}

/** A Nest app whose `BeatService` joins the election (as `-B` or `BeatService.start()` do). */
export async function inProcessReplica(options: TaskQueueOptions): Promise<BeatReplica> {
  const app = await startClient(options);
  const beat = app.app.get(BeatService);
  await beat.start();
  return {
    ledSince: (t) => {
      const status = beat.status();
      return status?.leader === true && (status.leaderSince?.getTime() ?? -1) >= t;
    },
    close: () => app.close(),
  };
}

/** `celeriac beat --schedule FILE --broker URL ...` (one `--broker` per URL), as an operator runs it. */
export function processReplica(
  urls: readonly string[],
  schedule: string,
  prefix: string,
): BeatReplica {
  const beat = BeatProcess.start({ url: urls, schedule, prefix });
  return {
    ledSince: (t) => beat.ledAt.some((at) => at >= t),
    close: () => beat.stop(),
  };
}
