import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import { resolveDashboardOptions } from './dashboard-options.js';

describe('resolveDashboardOptions', () => {
  it('defaults: /tasks, unguarded, 1000 recent tasks, a refresh every 5 s', () => {
    expect(resolveDashboardOptions()).toEqual({
      path: 'tasks',
      guards: [],
      guarded: false,
      readOnly: false,
      queues: [],
      recentTasks: 1000,
      refreshMs: 5000,
    });
  });

  it('trims slashes from the path; guards or trustGlobalGuards make it guarded', () => {
    const guard = { canActivate: () => true };
    expect(resolveDashboardOptions({ path: '/admin/tasks/', guards: [guard] })).toMatchObject({
      path: 'admin/tasks',
      guarded: true,
    });
    expect(resolveDashboardOptions({ trustGlobalGuards: true }).guarded).toBe(true);
    expect(resolveDashboardOptions({ queues: ['a', 'a', 'b'] }).queues).toEqual(['a', 'b']);
  });

  it.each([
    [{ path: 'a b' }, 'path'],
    [{ path: 'a//b' }, 'path'],
    [{ recentTasks: 0 }, 'recentTasks'],
    [{ recentTasks: 1.5 }, 'recentTasks'],
    [{ refreshMs: 500 }, 'refreshMs'],
  ])('refuses %j, naming %s', (input, field) => {
    expect(() => resolveDashboardOptions(input)).toThrow(InvalidOptionsError);
    expect(() => resolveDashboardOptions(input)).toThrow(`"${field}"`);
  });
});
