import {
  Controller,
  type DynamicModule,
  Module,
  type ModuleMetadata,
  UseGuards,
} from '@nestjs/common';
import { DashboardAccessGuard } from './dashboard-access.guard.js';
import { DashboardController } from './dashboard.controller.js';
import { resolveDashboardOptions, type TaskDashboardOptions } from './dashboard-options.js';
import { DashboardService } from './dashboard.service.js';
import { DASHBOARD_OPTIONS } from './dashboard-tokens.js';

/** Extras of `register()` that shape the module rather than the dashboard. */
export interface TaskDashboardModuleExtras {
  /** Modules the `guards` need for their own dependencies (an `AuthModule` that exports `AuthService`). */
  readonly imports?: ModuleMetadata['imports'];
}

/**
 * Celeriac's dashboard, mounted in an API app at the path it chooses: workers, queues, recent tasks and
 * dead letters, live, with actions (revoke, terminate, rate limit, replay, purge) for those the guards
 * let in. It uses the app's `TaskQueueModule` (imported anywhere in the app).
 *
 * Access: the app's global guards apply to its routes as to any other; `guards` adds the ones that decide
 * who may use it. With no guard at all it is read-only and answers only on this machine.
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [
 *     TaskQueueModule.forRoot({ url: process.env.RABBITMQ_URL }),
 *     TaskDashboardModule.register({ path: 'tasks', guards: [AdminGuard] }),
 *   ],
 * })
 * export class ApiModule {}
 * ```
 */
@Module({})
export class TaskDashboardModule {
  /**
   * The dashboard at `options.path` (default `tasks`).
   * @throws InvalidOptionsError for a bad option, naming it
   */
  static register(options: TaskDashboardOptions & TaskDashboardModuleExtras = {}): DynamicModule {
    const { imports, ...dashboard } = options;
    const resolved = resolveDashboardOptions(dashboard);
    // A class per registration: the path and the guards are decorator metadata, and two dashboards in
    // one app (or one test file) must not share them.
    @Controller(resolved.path)
    @UseGuards(...resolved.guards, DashboardAccessGuard)
    class MountedDashboardController extends DashboardController {}
    return {
      module: TaskDashboardModule,
      imports: [...(imports ?? [])],
      controllers: [MountedDashboardController],
      providers: [
        { provide: DASHBOARD_OPTIONS, useValue: resolved },
        DashboardService,
        DashboardAccessGuard,
      ],
    };
  }
}
