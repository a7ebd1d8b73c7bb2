/** The number checks shared by a task's retry options and the options of `ctx.retry()`. */

/** A non-negative safe integer: a retry count or limit. */
export function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** A finite number above zero: a backoff base or cap, in seconds. */
export function isPositive(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}

/** A finite number of seconds, zero included: a countdown or a default delay. */
export function isDelay(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}
