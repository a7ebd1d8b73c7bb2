/**
 * `celeriac/dashboard`: the dashboard an API app mounts (`TaskDashboardModule`) or `celeriac dashboard`
 * serves on its own (`serveDashboard`); see docs/dashboard.md.
 */
export { TaskDashboardModule } from './task-dashboard.module.js';
export type { TaskDashboardModuleExtras } from './task-dashboard.module.js';
export { DASHBOARD_DEFAULTS } from './dashboard-options.js';
export type { DashboardGuard, TaskDashboardOptions } from './dashboard-options.js';
export { CSRF_HEADER } from './dashboard-access.js';
export { serveDashboard } from './serve-dashboard.js';
export type { ServeDashboardOptions, ServedDashboard } from './serve-dashboard.js';
