import { performance } from 'node:perf_hooks';

/**
 * Wall-clock milliseconds with sub-millisecond precision. `timeOrigin` is read from the system clock at
 * process start and `performance.now()` is monotonic, so values from two processes on one machine can be
 * subtracted (unless the clock was stepped between their starts).
 */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

/** CPU time of this process so far (user + system), in microseconds. */
export function cpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
