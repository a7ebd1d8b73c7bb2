import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import { IllegalStateError } from '../errors/illegal-state.error.js';
import { DashboardMonitor } from './dashboard-monitor.js';
import type { ResolvedDashboardOptions } from './dashboard-options.js';
import { type DashboardSources, findDashboardSources } from './dashboard-sources.js';
import { DASHBOARD_OPTIONS } from './dashboard-tokens.js';

/**
 * One mounted dashboard: its options, its CSRF token, the app's Celeriac services and the monitor that
 * follows the workers. The services are looked up at bootstrap, when every module's providers exist.
 */
@Injectable()
export class DashboardService implements OnApplicationBootstrap, OnApplicationShutdown {
  /**
   * The token every action must carry. One per process and mount, random: the page gets it from a
   * same-origin GET that another site's script cannot read.
   */
  readonly csrfToken = randomBytes(32).toString('base64url');
  private state: { sources: DashboardSources; monitor: DashboardMonitor } | undefined;

  constructor(
    @Inject(DASHBOARD_OPTIONS) readonly options: ResolvedDashboardOptions,
    private readonly moduleRef: ModuleRef,
  ) {}

  /** Whether actions are allowed: guarded and not read-only. */
  get actionsAllowed(): boolean {
    return this.options.guarded && !this.options.readOnly;
  }

  get sources(): DashboardSources {
    return this.started().sources;
  }

  get monitor(): DashboardMonitor {
    return this.started().monitor;
  }

  onApplicationBootstrap(): void {
    const sources = findDashboardSources(this.moduleRef);
    const monitor = new DashboardMonitor(sources, this.options);
    this.state = { sources, monitor };
    monitor.start();
  }

  onApplicationShutdown(): void {
    this.state?.monitor.stop();
  }

  private started(): { sources: DashboardSources; monitor: DashboardMonitor } {
    if (!this.state) throw new IllegalStateError('The dashboard has not started yet');
    return this.state;
  }
}
