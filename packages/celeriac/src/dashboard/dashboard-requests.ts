/**
 * The bodies and queries the dashboard's API accepts, checked by hand (the package does not depend on a
 * validation library): each reader returns the value or the words for a 400.
 */
import type { DashboardTaskState, TaskQuery } from './task-log.js';

export type Checked<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

const STATES: readonly DashboardTaskState[] = [
  'PENDING',
  'RECEIVED',
  'STARTED',
  'SUCCESS',
  'FAILURE',
  'RETRY',
  'REVOKED',
  'REJECTED',
];
/** Celery's rate limit: a number of tasks per second, minute or hour; `0` removes the limit. */
const RATE = /^(0|\d+(\.\d+)?(\/[smh])?)$/;
/** Queue and task names as Celery and RabbitMQ accept them, without control characters. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what it keeps out
const NAME = /^[^\s\u0000-\u001f]{1,255}$/;
const MAX_LIMIT = 1000;

export interface RevokeBody {
  readonly terminate: boolean;
}

export interface RateLimitBody {
  readonly task: string;
  readonly rateLimit: string;
  /** One worker's node name; every worker when absent. */
  readonly worker: string | null;
}

export interface ReplayBody {
  /** Only these task ids; every letter when null. */
  readonly ids: readonly string[] | null;
}

export function readTaskQuery(query: Readonly<Record<string, unknown>>): Checked<TaskQuery> {
  const text = typeof query['q'] === 'string' ? query['q'] : undefined;
  const state = query['state'];
  if (state !== undefined && state !== '' && !STATES.includes(state as DashboardTaskState)) {
    return fail(`state must be one of ${STATES.join(', ')}`);
  }
  const limit = readLimit(query['limit'], 100);
  if (limit === null) return fail(`limit must be an integer from 1 to ${MAX_LIMIT}`);
  return ok({
    ...(text === undefined ? {} : { text }),
    ...(state === undefined || state === '' ? {} : { state: state as DashboardTaskState }),
    limit,
  });
}

export function readLimit(value: unknown, fallback: number): number | null {
  if (value === undefined || value === '') return fallback;
  const limit = Number(value);
  return Number.isSafeInteger(limit) && limit >= 1 && limit <= MAX_LIMIT ? limit : null;
}

export function readRevoke(body: unknown): Checked<RevokeBody> {
  const terminate = objectOf(body)['terminate'] ?? false;
  if (typeof terminate !== 'boolean') return fail('terminate must be true or false');
  return ok({ terminate });
}

export function readRateLimit(body: unknown): Checked<RateLimitBody> {
  const fields = objectOf(body);
  const { task, rateLimit, worker } = fields;
  if (typeof task !== 'string' || !NAME.test(task)) return fail('task must be a task name');
  if (typeof rateLimit !== 'string' || !RATE.test(rateLimit.trim())) {
    return fail("rateLimit must look like '10/s', '100/m', '5/h', '2' (per second) or '0' (none)");
  }
  if (
    worker !== undefined &&
    worker !== null &&
    (typeof worker !== 'string' || !NAME.test(worker))
  ) {
    return fail('worker must be a node name');
  }
  return ok({
    task,
    rateLimit: rateLimit.trim(),
    worker: typeof worker === 'string' ? worker : null,
  });
}

export function readReplay(body: unknown): Checked<ReplayBody> {
  const ids = objectOf(body)['ids'];
  if (ids === undefined || ids === null) return ok({ ids: null });
  if (
    !Array.isArray(ids) ||
    ids.length === 0 ||
    !ids.every((id) => typeof id === 'string' && NAME.test(id))
  ) {
    return fail('ids must be a non-empty list of task ids');
  }
  return ok({ ids: ids as string[] });
}

export function isName(value: string): boolean {
  return NAME.test(value);
}

function objectOf(body: unknown): Readonly<Record<string, unknown>> {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
}

function ok<T>(value: T): Checked<T> {
  return { ok: true, value };
}

function fail<T>(problem: string): Checked<T> {
  return { ok: false, problem };
}
