/** `'run'` runs the app's `@Task()` handlers; `'record'` keeps what was sent and runs nothing. */
export type TestingMode = 'run' | 'record';

/** Injection token of the mode `TaskQueueTestingModule.forRoot()` was given. */
export const TESTING_MODE = Symbol('celeriac:testing-mode');
