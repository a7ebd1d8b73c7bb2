import { WorkerUsageError } from '../errors/worker-usage.error.js';
import { parseWorkerFlags, type WorkerFlags, workerOverrides } from './worker-flags.js';

const ENV = { hostname: 'box.example.com' };

const NONE: WorkerFlags = {
  help: false,
  pool: 'async',
  concurrency: null,
  queues: null,
  prefetch: null,
  maxTasksPerChild: null,
  maxMemoryPerChildKiB: null,
  nodeName: null,
  shutdownGraceMs: null,
  beat: false,
  taskEvents: false,
  metricsPort: null,
};

function usageError(argv: readonly string[]): string {
  try {
    parseWorkerFlags(argv, ENV);
  } catch (err: unknown) {
    if (err instanceof WorkerUsageError) return err.message;
    throw err;
  }
  throw new Error(`parseWorkerFlags(${JSON.stringify(argv)}) did not throw`);
}

describe('parseWorkerFlags', () => {
  it('reads nothing from an empty command line', () => {
    expect(parseWorkerFlags([], ENV)).toEqual(NONE);
  });

  it("reads Celery's short flags", () => {
    expect(
      parseWorkerFlags(['-Q', 'celery,hipri', '-c', '4', '-P', 'processes', '-n', 'w1@%h'], ENV),
    ).toEqual({
      ...NONE,
      queues: ['celery', 'hipri'],
      concurrency: 4,
      pool: 'processes',
      nodeName: 'w1@box.example.com',
    });
  });

  it("reads Celery's -E (task events), short and long", () => {
    expect(parseWorkerFlags(['-E'], ENV)).toEqual({ ...NONE, taskEvents: true });
    expect(parseWorkerFlags(['--task-events'], ENV)).toEqual({ ...NONE, taskEvents: true });
  });

  it('reads the long flags, with = or a separate value', () => {
    expect(
      parseWorkerFlags(
        [
          '--queues=a',
          '--concurrency',
          '2',
          '--pool=processes',
          '--prefetch',
          '3',
          '--max-tasks-per-child=100',
          '--max-memory-per-child',
          '204800',
          '--hostname=w2@%n',
          '--shutdown-grace-ms',
          '0',
        ],
        ENV,
      ),
    ).toEqual({
      help: false,
      queues: ['a'],
      concurrency: 2,
      pool: 'processes',
      prefetch: 3,
      maxTasksPerChild: 100,
      maxMemoryPerChildKiB: 204_800,
      nodeName: 'w2@box',
      shutdownGraceMs: 0,
      beat: false,
      taskEvents: false,
      metricsPort: null,
    });
  });

  it('takes --metrics-port for a worker, and leaves a pool child its own port to runWorker', () => {
    const flags = parseWorkerFlags(['--metrics-port', '9464'], ENV);
    expect(flags.metricsPort).toBe(9464);
    expect(workerOverrides(flags, 'worker').metricsPort).toBe(9464);
    expect(workerOverrides(flags, 'child')).not.toHaveProperty('metricsPort');
    expect(usageError(['--metrics-port', 'x'])).toBe(
      '--metrics-port must be an integer from 0 to 65535, got "x".',
    );
  });

  it('joins repeated -Q and trims the names', () => {
    expect(parseWorkerFlags(['-Q', 'a, b', '-Q', 'c'], ENV).queues).toEqual(['a', 'b', 'c']);
  });

  it.each([
    ['async', 'async'],
    ['solo', 'solo'],
    ['processes', 'processes'],
    ['prefork', 'processes'],
  ] as const)('takes -P %s', (name, pool) => {
    expect(parseWorkerFlags(['-P', name], ENV).pool).toBe(pool);
  });

  it.each([
    ['%h', 'box.example.com'],
    ['%n', 'box'],
    ['%d', 'example.com'],
    ['w%%1@%n', 'w%1@box'],
    ['plain', 'plain'],
  ])('expands -n %s', (template, nodeName) => {
    expect(parseWorkerFlags(['-n', template], ENV).nodeName).toBe(nodeName);
  });

  it('reads --help and -h', () => {
    expect(parseWorkerFlags(['--help'], ENV).help).toBe(true);
    expect(parseWorkerFlags(['-h'], ENV).help).toBe(true);
  });

  it('accepts the largest values', () => {
    expect(parseWorkerFlags(['-c', '10000', '--prefetch', '65535'], ENV)).toMatchObject({
      concurrency: 10_000,
      prefetch: 65_535,
    });
    expect(parseWorkerFlags(['-P', 'processes', '-c', '1024'], ENV).concurrency).toBe(1024);
  });

  it.each([
    [['--bogus'], "Unknown option '--bogus'."],
    [['-x'], "Unknown option '-x'."],
    [['celery'], "Unexpected argument 'celery'"],
    [['-c'], "Option '-c, --concurrency <value>' argument missing."],
    [['--help=yes'], "Option '-h, --help' does not take an argument."],
    [['-c', 'four'], '-c/--concurrency must be an integer from 1 to 10000, got "four".'],
    [['-c', '0'], '-c/--concurrency must be an integer from 1 to 10000, got "0".'],
    [['-c', '2.5'], '-c/--concurrency must be an integer from 1 to 10000, got "2.5".'],
    [['-c', '1e3'], 'got "1e3"'],
    [['-c', '10001'], '-c/--concurrency must be an integer from 1 to 10000, got "10001".'],
    [['-c=4'], 'got "=4"'],
    [['-P', 'processes', '-c', '1025'], 'must be an integer from 1 to 1024, got "1025".'],
    [['-c', '2', '-c', '3'], '-c/--concurrency is given 2 times; give it once.'],
    [['-P', 'threads'], '-P/--pool must be async, solo or processes, got "threads".'],
    [['-P', 'solo', '-c', '4'], '-c/--concurrency does not go with --pool solo'],
    [['--prefetch', '0'], '--prefetch must be an integer from 1 to 65535, got "0".'],
    [['--prefetch', '65536'], '--prefetch must be an integer from 1 to 65535, got "65536".'],
    [['--shutdown-grace-ms', '-1'], '--shutdown-grace-ms'],
    [['--shutdown-grace-ms', '2147483648'], 'from 0 to 2147483647, got "2147483648".'],
    [['--max-tasks-per-child', '5'], '--max-tasks-per-child needs --pool processes'],
    [
      ['-P', 'solo', '--max-tasks-per-child', '5', '--max-memory-per-child', '1000'],
      '--max-tasks-per-child and --max-memory-per-child need --pool processes',
    ],
    [['-P', 'processes', '--max-tasks-per-child', '0'], 'from 1 to 9007199254740991, got "0"'],
    [['-P', 'processes', '--max-memory-per-child', '1.5'], '--max-memory-per-child must be'],
    [['-Q', ''], '-Q/--queues has an empty queue name in "".'],
    [['-Q', 'a,,b'], '-Q/--queues has an empty queue name in "a,,b".'],
    [['-Q', 'a,b', '-Q', 'a'], '-Q/--queues names "a" twice.'],
    [['-Q', 'amq.direct'], 'Invalid Celeriac option "-Q/--queues": must not start with "amq."'],
    [['-n', ''], '-n/--hostname must not be empty.'],
  ])('refuses %j', (argv, message) => {
    expect(usageError(argv)).toContain(message);
  });

  it('refuses a queue name longer than RabbitMQ takes', () => {
    expect(usageError(['-Q', 'x'.repeat(256)])).toMatch(/^Invalid Celeriac option "-Q\/--queues"/);
  });
});

describe('workerOverrides', () => {
  it('overrides only what the flags give', () => {
    expect(workerOverrides(NONE, 'worker')).toEqual({});
  });

  it('passes the async pool its flags as they are', () => {
    const flags = parseWorkerFlags(
      ['-Q', 'a,b', '-c', '50', '--prefetch', '60', '-n', 'w@x', '--shutdown-grace-ms', '5'],
      ENV,
    );
    expect(workerOverrides(flags, 'worker')).toEqual({
      queues: ['a', 'b'],
      concurrency: 50,
      prefetch: 60,
      nodeName: 'w@x',
      shutdownGraceMs: 5,
    });
  });

  it('runs one task at a time in a solo worker', () => {
    expect(workerOverrides(parseWorkerFlags(['-P', 'solo'], ENV), 'worker')).toEqual({
      concurrency: 1,
      queueLimits: {},
    });
  });

  it('runs one task at a time in a pool child, without queue lanes: -c counts processes there', () => {
    const flags = parseWorkerFlags(['-P', 'processes', '-c', '8', '-Q', 'q'], ENV);
    expect(workerOverrides(flags, 'child')).toEqual({
      queues: ['q'],
      concurrency: 1,
      queueLimits: {},
    });
  });

  it('-B runs the beat in the worker, and in every child of a pool', () => {
    expect(parseWorkerFlags(['-B'], ENV).beat).toBe(true);
    expect(parseWorkerFlags(['--beat'], ENV).beat).toBe(true);
    expect(workerOverrides(parseWorkerFlags(['-B'], ENV), 'worker')).toEqual({ beat: true });
    const flags = parseWorkerFlags(['-P', 'processes', '-B'], ENV);
    expect(workerOverrides(flags, 'child')).toMatchObject({ beat: true });
  });

  it('keeps an explicit --prefetch in a pool child', () => {
    const flags = parseWorkerFlags(['-P', 'processes', '--prefetch', '4'], ENV);
    expect(workerOverrides(flags, 'child')).toEqual({
      concurrency: 1,
      prefetch: 4,
      queueLimits: {},
    });
  });
});
