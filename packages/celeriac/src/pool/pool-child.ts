import type { ResolvedWorkerOptions } from '../options/task-queue-options.js';
import type { ChildMessage } from './pool-protocol.js';
import { type RecycleLimits, recycleReason } from './recycle-policy.js';

/**
 * The child side of `--pool processes`: tells the supervisor once it consumes, counts the tasks it ran,
 * and retires after a task once a recycle limit is reached.
 *
 * The child decides to recycle itself; the supervisor is only told. The decision has to land between two
 * tasks: made here, in the same tick as the handler's end and before the task's result is published and
 * its message acked, it stops intake (basic.cancel goes out before the ack), so with prefetch 1 the broker
 * never hands this child another task, and the one it ran is still acked before the process exits. A
 * supervisor deciding from IPC reports would learn of the task a round trip later, by when the next
 * delivery could have started. The child also reads its own RSS, which needs no OS query about another
 * pid. The supervisor needs only to know that the exit is planned: it starts the replacement at once and
 * does not count the exit as a crash.
 */
export class PoolChild {
  private tasks = 0;
  private retiring = false;

  constructor(
    private readonly limits: RecycleLimits,
    private readonly send: (message: ChildMessage) => void,
    /** Starts the warm shutdown that ends with exit code 0. */
    private readonly retire: (reason: string) => void,
    private readonly rssBytes: () => number = () => process.memoryUsage.rss(),
  ) {}

  /** Tells the supervisor that this child consumes now, with the options it runs with. */
  ready(worker: ResolvedWorkerOptions): void {
    this.send({
      type: 'celeriac:ready',
      nodeName: worker.nodeName,
      queues: worker.queues,
      shutdownGraceMs: worker.shutdownGraceMs,
    });
  }

  /**
   * A task passed its hard time limit while its handler ignored its signal (`TaskQueueServer.onTaskAbandoned`):
   * the task was reported failed, and this process retires so the runaway handler dies with it. This is
   * what the pool is for: an in-process worker cannot kill a promise.
   */
  afterAbandonedTask(task: string): void {
    if (this.retiring) return;
    this.retiring = true;
    const reason = `task ${task} passed its hard time limit`;
    this.send({
      type: 'celeriac:recycle',
      reason,
      tasks: this.tasks,
      rssKiB: Math.round(this.rssBytes() / 1024),
    });
    this.retire(reason);
  }

  /** Called when a task handler has returned or thrown (`TaskQueueServer.onTaskRun`). */
  afterTask(): void {
    if (this.retiring) return;
    this.tasks++;
    const rss = this.rssBytes();
    const reason = recycleReason(this.tasks, rss, this.limits);
    if (reason === null) return;
    this.retiring = true;
    this.send({
      type: 'celeriac:recycle',
      reason,
      tasks: this.tasks,
      rssKiB: Math.round(rss / 1024),
    });
    this.retire(reason);
  }
}
