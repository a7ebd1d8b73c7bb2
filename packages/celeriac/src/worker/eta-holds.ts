/** One task held until its eta; woken early when the worker stops starting tasks. */
interface Hold {
  timer: NodeJS.Timeout | undefined;
  wake(): void;
}

/**
 * The timers of tasks whose eta is near: each is held unacked until it is due, and every hold ends at once
 * (answering false) when the worker stops starting tasks, so its delivery goes back to the queue.
 */
export class EtaHolds {
  private readonly holds = new Set<Hold>();
  private stopped = false;

  /** Tasks held now. */
  get size(): number {
    return this.holds.size;
  }

  /** Resolves true at `at` (epoch ms), or false as soon as `releaseAll()` is called. */
  until(at: number): Promise<boolean> {
    if (this.stopped) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const hold: Hold = {
        timer: undefined,
        wake: () => {
          resolve(false);
        },
      };
      // Node's timers can fire a millisecond early: a task must never start before its eta.
      const fire = (): void => {
        const left = at - Date.now();
        if (left > 0) {
          hold.timer = setTimeout(fire, left);
          return;
        }
        this.holds.delete(hold);
        resolve(true);
      };
      hold.timer = setTimeout(fire, Math.max(0, at - Date.now()));
      this.holds.add(hold);
    });
  }

  /** Ends every hold (they answer false), and every later one before it starts. */
  releaseAll(): void {
    this.stopped = true;
    for (const hold of this.holds) {
      clearTimeout(hold.timer);
      hold.wake();
    }
    this.holds.clear();
  }
}
