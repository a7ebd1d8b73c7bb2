import { InvalidOptionsError } from '../errors/invalid-options.error.js';

/** Keys this close to a known one are most likely typos of it (`queue` for `queues`). */
const MAX_TYPO_DISTANCE = 2;

/**
 * Throws on the first key of `object` that is not in `known`, naming it and the known key it was probably
 * meant to be. A misspelled option would otherwise be ignored and its default used, silently.
 * The value is not shown: a misplaced option may be a URL with its password.
 *
 * @param prefix - field path of `object` (`''` for the top level, `'worker'`, `'queues[2]'`)
 * @throws InvalidOptionsError naming the unknown key
 */
export function checkKnownKeys(prefix: string, object: object, known: readonly string[]): void {
  for (const key of Object.keys(object)) {
    if (known.includes(key)) continue;
    const field = prefix === '' ? key : `${prefix}.${key}`;
    const guess = closest(key, known);
    const hint = guess === undefined ? '' : `; did you mean "${guess}"?`;
    throw new InvalidOptionsError(
      field,
      `is not a Celeriac option (known: ${known.join(', ')})${hint}`,
    );
  }
}

function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = MAX_TYPO_DISTANCE + 1;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance, one row at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
