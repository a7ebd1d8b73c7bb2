/** Injection token of the `ResolvedDashboardOptions` of one `TaskDashboardModule.register()`. */
export const DASHBOARD_OPTIONS = Symbol('celeriac:dashboard-options');
