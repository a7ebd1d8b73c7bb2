import type { CanActivate, Type } from '@nestjs/common';
import { describeValue } from '../errors/describe-value.js';
import { InvalidOptionsError } from '../errors/invalid-options.error.js';

/** A guard class (resolved by Nest, with its dependencies) or a guard instance. */
export type DashboardGuard = Type<CanActivate> | CanActivate;

/** Options of `TaskDashboardModule.register()`. */
export interface TaskDashboardOptions {
  /**
   * Where the dashboard answers, below the app's global prefix: `'tasks'` serves `/tasks`, its API under
   * `/tasks/api/...`.
   * @defaultValue `'tasks'`
   */
  readonly path?: string;
  /**
   * Guards that decide who may use the dashboard (an admin check, a session check), run on every one of
   * its routes after the app's global guards. With at least one guard, the dashboard answers any address
   * the guards let through, and its actions (revoke, rate limit, replay, purge) are allowed.
   *
   * Without guards (and without `trustGlobalGuards`) the dashboard is read-only and answers only requests
   * made on this machine: from a loopback address, to a loopback host name, not forwarded by a proxy.
   */
  readonly guards?: readonly DashboardGuard[];
  /**
   * The app's global guards (`APP_GUARD`, `app.useGlobalGuards()`) already decide who may use every
   * route, the dashboard's included: treat the dashboard as guarded. Nest runs global guards on the
   * dashboard's routes either way; this only tells the dashboard that they are there.
   * @defaultValue `false`
   */
  readonly trustGlobalGuards?: boolean;
  /** Refuse every action, guarded or not: a view only. @defaultValue `false` */
  readonly readOnly?: boolean;
  /**
   * Queues to show besides those the workers say they consume (`inspect active_queues`) and those this
   * app's `TaskQueueModule` configures.
   */
  readonly queues?: readonly string[];
  /** How many tasks the recent-task list keeps in memory, newest first. @defaultValue `1000` */
  readonly recentTasks?: number;
  /**
   * How often, while a page is open, the dashboard asks the workers (`inspect`) and reads the queue
   * depths. Nothing is polled while nobody watches.
   * @defaultValue `5000`
   */
  readonly refreshMs?: number;
}

/** The options with their defaults, checked. */
export interface ResolvedDashboardOptions {
  readonly path: string;
  readonly guards: readonly DashboardGuard[];
  /** True when guards (ours or the app's) decide who gets in; false: local and read-only. */
  readonly guarded: boolean;
  readonly readOnly: boolean;
  readonly queues: readonly string[];
  readonly recentTasks: number;
  readonly refreshMs: number;
}

export const DASHBOARD_DEFAULTS = {
  path: 'tasks',
  recentTasks: 1000,
  refreshMs: 5000,
} as const;

/** Applies the defaults and checks every field; one error per bad field. */
export function resolveDashboardOptions(
  input: TaskDashboardOptions = {},
): ResolvedDashboardOptions {
  const path = (input.path ?? DASHBOARD_DEFAULTS.path).replace(/^\/+|\/+$/g, '');
  if (!/^[A-Za-z0-9._~\-/]*$/.test(path) || path.includes('//')) {
    throw new InvalidOptionsError(
      'path',
      `must be a URL path such as 'tasks' or 'admin/tasks', got ${describeValue(input.path)}`,
    );
  }
  const guards = [...(input.guards ?? [])];
  const recentTasks = input.recentTasks ?? DASHBOARD_DEFAULTS.recentTasks;
  if (!Number.isSafeInteger(recentTasks) || recentTasks < 1 || recentTasks > 100_000) {
    throw new InvalidOptionsError(
      'recentTasks',
      `must be an integer from 1 to 100000, got ${describeValue(recentTasks)}`,
    );
  }
  const refreshMs = input.refreshMs ?? DASHBOARD_DEFAULTS.refreshMs;
  if (!Number.isFinite(refreshMs) || refreshMs < 1000) {
    throw new InvalidOptionsError(
      'refreshMs',
      `must be at least 1000 (the workers are asked on every refresh), got ${describeValue(refreshMs)}`,
    );
  }
  return Object.freeze({
    path,
    guards,
    guarded: guards.length > 0 || input.trustGlobalGuards === true,
    readOnly: input.readOnly ?? false,
    queues: [...new Set(input.queues ?? [])],
    recentTasks,
    refreshMs,
  });
}
