import { Logger } from '@nestjs/common';
import { errorStack } from '../errors/error-text.js';

/** A function that removes the listener it was returned for. */
export type RemoveListener = () => void;

/**
 * Who is told about a worker's tasks and shutdown requests: a process pool child counts the tasks it ran
 * and retires on an abandoned one; `runWorker` closes the app when remote control asks it to stop.
 */
export class WorkerListeners {
  private readonly logger = new Logger(WorkerListeners.name);
  private readonly taskRun = new Set<(task: string) => void>();
  private readonly abandoned = new Set<(task: string) => void>();
  private readonly shutdown = new Set<() => void>();

  onTaskRun(listener: (task: string) => void): RemoveListener {
    return add(this.taskRun, listener);
  }

  onTaskAbandoned(listener: (task: string) => void): RemoveListener {
    return add(this.abandoned, listener);
  }

  onShutdownRequest(listener: () => void): RemoveListener {
    return add(this.shutdown, listener);
  }

  /** A handler returned or threw. On the hot path: a Set's iterator tolerates a listener removing itself, so no copy per task. */
  taskRan(task: string): void {
    for (const listener of this.taskRun) {
      try {
        listener(task);
      } catch (err: unknown) {
        this.logger.error(`A task-run listener threw: ${errorStack(err)}`);
      }
    }
  }

  taskAbandoned(task: string): void {
    for (const listener of [...this.abandoned]) listener(task);
  }

  /** Remote control asked the worker to stop: false when nobody listens, so the worker closes itself. */
  shutdownRequested(): boolean {
    if (this.shutdown.size === 0) return false;
    for (const listener of [...this.shutdown]) listener();
    return true;
  }
}

function add<L>(set: Set<L>, listener: L): RemoveListener {
  set.add(listener);
  return () => {
    set.delete(listener);
  };
}
