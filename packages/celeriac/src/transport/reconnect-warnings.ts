/** Failed connect attempts in a row that are each logged before the warnings thin out. */
const FIRST_LOGGED = 3;

/**
 * Whether the `attempt`-th failed connect in a row (1-based) gets a warning: the first few, then the
 * 4th, 8th, 16th, ... so a broker that stays unreachable for a day costs a few dozen lines, not one a
 * second, and each line says how many attempts failed so far.
 */
export function shouldWarnReconnect(attempt: number): boolean {
  if (attempt <= FIRST_LOGGED) return true;
  return (attempt & (attempt - 1)) === 0;
}

/** The attempt of the next warning after `attempt`. */
export function nextWarnedAttempt(attempt: number): number {
  let next = attempt + 1;
  while (!shouldWarnReconnect(next)) next++;
  return next;
}
