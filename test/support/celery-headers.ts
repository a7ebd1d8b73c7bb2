/**
 * Celery protocol 2 headers as a Python client writes them, for tests that publish raw messages (what a
 * Python client sends, or a malformed variant of it).
 */
export function celeryHeaders(
  task: string,
  id: string,
  eta: Date | null = null,
  /** Header values that differ from a plain client's (`ignore_result: true`, ...). */
  overrides: Readonly<Record<string, unknown>> = {},
): Record<string, unknown> {
  return {
    lang: 'py',
    task,
    id,
    shadow: null,
    // Python's isoformat: six fraction digits and +00:00.
    eta: eta ? eta.toISOString().replace('Z', '000+00:00') : null,
    expires: null,
    group: null,
    group_index: null,
    retries: 0,
    timelimit: [null, null],
    root_id: id,
    parent_id: null,
    argsrepr: '()',
    kwargsrepr: '{}',
    origin: 'gen1@test',
    ignore_result: false,
    ...overrides,
  };
}
