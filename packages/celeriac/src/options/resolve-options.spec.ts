import { hostname } from 'node:os';

import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import { FrozenMap } from './frozen-map.js';
import { resolveOptions } from './resolve-options.js';
import type { ResolvedQueue, TaskQueueOptions } from './task-queue-options.js';

const ENV = { hostname: 'box' };

/** Resolves options given as `unknown`, as they arrive from JSON or the environment. */
function resolve(input: unknown): ReturnType<typeof resolveOptions> {
  return resolveOptions(input as TaskQueueOptions, ENV);
}

function invalidOptionsError(input: unknown): InvalidOptionsError {
  try {
    resolve(input);
  } catch (err: unknown) {
    if (err instanceof InvalidOptionsError) return err;
    throw err;
  }
  throw new Error('resolveOptions did not throw');
}

function celeryShaped(name: string): ResolvedQueue {
  return {
    name,
    exchange: name,
    exchangeType: 'direct',
    bindingKeys: [name],
    type: 'classic',
    arguments: {},
  };
}

function isDeepFrozen(value: unknown, seen = new Set<unknown>()): boolean {
  if (typeof value !== 'object' || value === null || seen.has(value)) return true;
  seen.add(value);
  if (!Object.isFrozen(value)) return false;
  const children = value instanceof FrozenMap ? [...value.values()] : Object.values(value);
  return children.every((child) => isDeepFrozen(child, seen));
}

describe('resolveOptions', () => {
  describe('defaults', () => {
    it('applies every default to empty options', () => {
      const resolved = resolveOptions({}, ENV);
      expect({
        ...resolved,
        queues: [...resolved.queues],
        beat: { ...resolved.beat, schedule: [...resolved.beat.schedule] },
      }).toEqual({
        urls: ['amqp://guest:guest@127.0.0.1:5672'],
        tls: null,
        heartbeatSeconds: 10,
        reconnectDelayMs: 1_000,
        connectTimeoutMs: 5_000,
        defaultQueue: 'celery',
        queues: [['celery', celeryShaped('celery')]],
        routes: [],
        createMissingQueues: true,
        publishTimeoutMs: 10_000,
        maxPendingPublishes: 10_000,
        maxPayloadBytes: 1_048_576,
        taskHeaders: 'lean',
        delayedDelivery: 'cascade',
        delayPrefix: 'celeriac.delay',
        brokerConsumerTimeoutMs: 1_800_000,
        results: {
          backend: { kind: 'rpc' },
          expires: 86_400,
          extended: false,
          maxTracked: 10_000,
          timeoutMs: 300_000,
        },
        revocation: {
          retentionMs: 10_800_000,
          stream: 'celeriac.revoked',
          maxIds: 50_000,
          terminateGraceMs: 5_000,
        },
        events: { workerEvents: true, taskEvents: false, taskSent: false },
        worker: {
          queues: ['celery'],
          concurrency: 10,
          prefetch: 10,
          shutdownGraceMs: 10_000,
          nodeName: 'celeriac@box',
          queueLimits: {},
          beat: false,
          deadLetters: {
            maxAgeMs: 1_209_600_000,
            maxLength: 100_000,
            warnDepth: 1_000,
            checkIntervalMs: 60_000,
          },
          metricsPort: null,
        },
        beat: {
          schedule: [],
          prefix: 'celeriac.beat',
          pulseIntervalMs: 1_000,
          leaseMs: 3_000,
        },
      });
    });

    it('takes the delayed-delivery mode and the cascade prefix, and refuses bad ones', () => {
      expect(resolve({ delayedDelivery: 'direct', delayPrefix: 'app.delay' })).toMatchObject({
        delayedDelivery: 'direct',
        delayPrefix: 'app.delay',
      });
      expect(() => resolve({ delayedDelivery: 'plugin' as never })).toThrow(
        /"delayedDelivery": must be 'cascade' or 'direct', got "plugin"/,
      );
      expect(() => resolve({ delayPrefix: 'amq.delay' })).toThrow(/delayPrefix/);
    });

    it('takes the task header set, and refuses an unknown one', () => {
      expect(resolve({ taskHeaders: 'full' })).toMatchObject({ taskHeaders: 'full' });
      expect(() => resolve({ taskHeaders: 'all' as never })).toThrow(
        /"taskHeaders": must be 'lean' or 'full', got "all"/,
      );
    });

    it('resolves the revocation options, naming a bad field under revocation', () => {
      expect(resolve({ revocation: { retentionMs: 60_000 } }).revocation.retentionMs).toBe(60_000);
      expect(() => resolve({ revocation: { maxIds: 0 } })).toThrow(/"revocation.maxIds"/);
    });

    it('events: task events on, worker events off; anything but a boolean is refused by name', () => {
      const events = resolve({ events: { taskEvents: true, workerEvents: false } }).events;
      expect(events).toEqual({ workerEvents: false, taskEvents: true, taskSent: false });
      expect(() => resolve({ events: { taskEvents: 'yes' } })).toThrow(/"events.taskEvents"/);
      expect(() => resolve({ events: { sentEvents: true } })).toThrow(/events/);
    });

    it('treats an explicit undefined as absent', () => {
      expect(resolve({ heartbeatSeconds: undefined, worker: undefined }).heartbeatSeconds).toBe(10);
    });

    it('keeps given values, URLs as written', () => {
      const resolved = resolveOptions(
        {
          url: ['amqps://u:p%40ss@rabbit-1:5671/%2F', 'amqp://rabbit-2'],
          heartbeatSeconds: 5,
          reconnectDelayMs: 250,
          connectTimeoutMs: 1,
          publishTimeoutMs: 2_000,
          maxPendingPublishes: 1,
          maxPayloadBytes: 512 * 1024 * 1024,
          createMissingQueues: false,
        },
        ENV,
      );
      expect(resolved).toMatchObject({
        urls: ['amqps://u:p%40ss@rabbit-1:5671/%2F', 'amqp://rabbit-2'],
        heartbeatSeconds: 5,
        reconnectDelayMs: 250,
        connectTimeoutMs: 1,
        publishTimeoutMs: 2_000,
        maxPendingPublishes: 1,
        maxPayloadBytes: 536_870_912,
        createMissingQueues: false,
      });
    });

    it('fills a queue from its name: exchange, direct, binding key, classic, no arguments', () => {
      const resolved = resolveOptions({ queues: [{ name: 'hipri' }] }, ENV);
      expect(resolved.queues.get('hipri')).toEqual(celeryShaped('hipri'));
    });

    it('adds the default queue first, exactly as Celery declares it', () => {
      const resolved = resolveOptions({ queues: [{ name: 'hipri' }] }, ENV);
      expect([...resolved.queues.keys()]).toEqual(['celery', 'hipri']);
      expect(resolved.queues.get('celery')).toEqual(celeryShaped('celery'));
    });

    it('uses the configuration of the default queue when it is listed', () => {
      const resolved = resolveOptions(
        { queues: [{ name: 'hipri' }, { name: 'celery', type: 'quorum' }] },
        ENV,
      );
      expect([...resolved.queues.keys()]).toEqual(['hipri', 'celery']);
      expect(resolved.queues.get('celery')?.type).toBe('quorum');
    });

    it('follows a renamed default queue', () => {
      const resolved = resolveOptions({ defaultQueue: 'tasks' }, ENV);
      expect([...resolved.queues.keys()]).toEqual(['tasks']);
      expect(resolved.queues.get('tasks')).toEqual(celeryShaped('tasks'));
      expect(resolved.worker.queues).toEqual(['tasks']);
    });

    it('keeps a full queue configuration', () => {
      const queue = {
        name: 'media',
        exchange: 'media-ex',
        exchangeType: 'topic',
        bindingKeys: ['media.#', '*.video'],
        type: 'quorum',
        arguments: { 'x-delivery-limit': 5, 'x-nested': { deep: [1, 'two', true] } },
      } as const;
      expect(resolveOptions({ queues: [queue] }, ENV).queues.get('media')).toEqual(queue);
    });

    it('allows binding to a built-in amq. exchange and queues on the default exchange', () => {
      const resolved = resolveOptions(
        {
          queues: [
            { name: 'logs', exchange: 'amq.topic', exchangeType: 'topic', bindingKeys: ['log.#'] },
            { name: 'local', exchange: '' },
          ],
        },
        ENV,
      );
      expect(resolved.queues.get('logs')?.exchange).toBe('amq.topic');
      expect(resolved.queues.get('local')?.exchange).toBe('');
    });

    it('lets queues share an exchange of one type', () => {
      const resolved = resolveOptions(
        {
          queues: [
            { name: 'a', exchange: 'shared', exchangeType: 'topic', bindingKeys: ['a.#'] },
            { name: 'b', exchange: 'shared', exchangeType: 'topic', bindingKeys: ['b.#'] },
          ],
        },
        ENV,
      );
      expect(resolved.queues.size).toBe(3);
    });

    it('keeps routes in order, string targets as { queue }', () => {
      const resolved = resolveOptions(
        {
          queues: [{ name: 'hipri' }, { name: 'media' }],
          routes: {
            'email.send': 'hipri',
            'media.*': { queue: 'media', routingKey: 'media.video' },
            '*': { exchange: 'x', routingKey: 'y' },
          },
        },
        ENV,
      );
      expect(resolved.routes).toEqual([
        ['email.send', { queue: 'hipri' }],
        ['media.*', { queue: 'media', routingKey: 'media.video' }],
        ['*', { exchange: 'x', routingKey: 'y' }],
      ]);
    });

    it('adds unconfigured queues named by routes and the worker, shaped as Celery missing queues', () => {
      const resolved = resolveOptions(
        {
          routes: { 'a.*': 'spill', 'b.*': { queue: 'spill' } },
          worker: { queues: ['celery', 'extra'] },
        },
        ENV,
      );
      expect([...resolved.queues.keys()]).toEqual(['celery', 'spill', 'extra']);
      expect(resolved.queues.get('extra')).toEqual(celeryShaped('extra'));
    });

    it('defaults worker prefetch to its concurrency', () => {
      expect(resolveOptions({ worker: { concurrency: 3 } }, ENV).worker.prefetch).toBe(3);
      expect(resolveOptions({ worker: { concurrency: 3, prefetch: 1 } }, ENV).worker.prefetch).toBe(
        1,
      );
    });

    it('keeps worker options as given', () => {
      const worker = {
        queues: ['hipri', 'celery'],
        concurrency: 10_000,
        prefetch: 65_535,
        shutdownGraceMs: 0,
        nodeName: 'w1@host',
        queueLimits: {
          hipri: { concurrency: 50, prefetch: 100 },
          celery: { concurrency: 2, prefetch: 2 },
        },
        beat: true,
        deadLetters: { maxAgeMs: null, maxLength: 5, warnDepth: null, checkIntervalMs: 100 },
        metricsPort: 9464,
      };
      expect(resolveOptions({ queues: [{ name: 'hipri' }], worker }, ENV).worker).toEqual(worker);
    });

    it('gives a queue its own lane, its prefetch following its concurrency', () => {
      const worker = resolve({
        worker: { concurrency: 4, queueLimits: { celery: { concurrency: 2 } } },
      }).worker;
      expect(worker.queueLimits).toEqual({ celery: { concurrency: 2, prefetch: 2 } });
      expect(() => resolve({ worker: { queueLimits: { celery: { concurrency: 0 } } } })).toThrow(
        /worker\.queueLimits\.celery\.concurrency/,
      );
      expect(() => resolve({ worker: { queueLimits: { celery: { speed: 2 } as never } } })).toThrow(
        /worker\.queueLimits\.celery\.speed/,
      );
    });

    it('names the node after os.hostname() without an environment', () => {
      expect(resolveOptions({}).worker.nodeName).toBe(`celeriac@${hostname()}`);
    });
  });

  describe('errors', () => {
    it.each<[string, unknown, string, string]>([
      ['options that are not an object', null, 'options', 'must be an object, got null'],
      ['an array as options', [], 'options', 'must be an object, got an array of 0 items'],
      ['a typo of a known option', { queue: [] }, 'queue', 'did you mean "queues"?'],
      ['an unknown option', { flavour: 'x' }, 'flavour', 'is not a Celeriac option (known: url,'],
      ['an empty url', { url: '' }, 'url', 'must be a non-empty amqp:// or amqps:// URL, got ""'],
      [
        'a url of another scheme',
        { url: 'http://h' },
        'url',
        'must use the amqp:// or amqps:// scheme, got "http://h"',
      ],
      [
        'a url without //',
        { url: 'amqp:rabbit' },
        'url',
        'must start with amqp:// or amqps://, got "amqp:rabbit"',
      ],
      ['a url that is a number', { url: 5672 }, 'url', 'or an array of them, got 5672'],
      ['no url in a list', { url: [] }, 'url', 'must name at least one broker, got an empty array'],
      ['a bad url in a list', { url: ['amqp://a', 42] }, 'url[1]', 'URL, got 42'],
      [
        'a zero heartbeat',
        { heartbeatSeconds: 0 },
        'heartbeatSeconds',
        'must be an integer from 1 to 65535, got 0',
      ],
      ['a fractional heartbeat', { heartbeatSeconds: 1.5 }, 'heartbeatSeconds', 'got 1.5'],
      ['a heartbeat as a string', { heartbeatSeconds: '10' }, 'heartbeatSeconds', 'got "10"'],
      ['a heartbeat too large', { heartbeatSeconds: 65_536 }, 'heartbeatSeconds', 'got 65536'],
      [
        'a negative reconnect delay',
        { reconnectDelayMs: -1 },
        'reconnectDelayMs',
        'from 1 to 2147483647, got -1',
      ],
      ['a NaN connect timeout', { connectTimeoutMs: Number.NaN }, 'connectTimeoutMs', 'got NaN'],
      [
        'an infinite publish timeout',
        { publishTimeoutMs: Infinity },
        'publishTimeoutMs',
        'got Infinity',
      ],
      [
        'no room for pending publishes',
        { maxPendingPublishes: 0 },
        'maxPendingPublishes',
        'from 1 to 10000000, got 0',
      ],
      [
        'a payload limit over 512 MiB',
        { maxPayloadBytes: 536_870_913 },
        'maxPayloadBytes',
        'from 1 to 536870912, got 536870913',
      ],
      [
        'a string for createMissingQueues',
        { createMissingQueues: 'yes' },
        'createMissingQueues',
        'must be true or false, got "yes"',
      ],
      [
        'an empty default queue',
        { defaultQueue: '' },
        'defaultQueue',
        'must be a non-empty queue name, got ""',
      ],
      [
        'an amq. default queue',
        { defaultQueue: 'amq.tasks' },
        'defaultQueue',
        'must not start with "amq.", which RabbitMQ reserves, got "amq.tasks"',
      ],
      [
        'a queue name over 255 bytes',
        { defaultQueue: 'é'.repeat(128) },
        'defaultQueue',
        'at most 255 bytes of UTF-8 (an AMQP short string), got 256 bytes',
      ],
      [
        'queues that are not an array',
        { queues: {} },
        'queues',
        'must be an array of queue options, got an object',
      ],
      [
        'a queue that is a string',
        { queues: ['hipri'] },
        'queues[0]',
        'must be a queue options object, got "hipri"',
      ],
      [
        'a queue without a name',
        { queues: [{ name: 'a' }, {}] },
        'queues[1].name',
        'must be a non-empty queue name, got undefined',
      ],
      [
        'a typo in a queue',
        { queues: [{ name: 'a', exchnage: 'x' }] },
        'queues[0].exchnage',
        'did you mean "exchange"?',
      ],
      [
        'a headers exchange',
        { queues: [{ name: 'a' }, { name: 'b', exchangeType: 'headers' }] },
        'queues[1].exchangeType',
        'must be one of direct, topic, fanout, got "headers"',
      ],
      [
        'a stream queue',
        { queues: [{ name: 'a', type: 'stream' }] },
        'queues[0].type',
        'must be one of classic, quorum, got "stream"',
      ],
      [
        'binding keys as a string',
        { queues: [{ name: 'a', bindingKeys: 'a' }] },
        'queues[0].bindingKeys',
        'must be an array of binding keys, got "a"',
      ],
      [
        'a binding key that is a number',
        { queues: [{ name: 'a', bindingKeys: ['a', 1] }] },
        'queues[0].bindingKeys[1]',
        'must be a routing key string, got 1',
      ],
      [
        'a binding key listed twice',
        { queues: [{ name: 'a', bindingKeys: ['a', 'b', 'a'] }] },
        'queues[0].bindingKeys[2]',
        'is listed twice, got "a"',
      ],
      [
        'arguments as an array',
        { queues: [{ name: 'a', arguments: [] }] },
        'queues[0].arguments',
        'must be a plain object of queue arguments, got an array of 0 items',
      ],
      [
        'arguments as a Map',
        { queues: [{ name: 'a', arguments: new Map() }] },
        'queues[0].arguments',
        'got a Map',
      ],
      [
        'an argument that is a function',
        { queues: [{ name: 'a', arguments: { 'x-f': () => 1 } }] },
        'queues[0].arguments["x-f"]',
        'got a function',
      ],
      [
        'an undefined argument',
        { queues: [{ name: 'a', arguments: { 'x-u': undefined } }] },
        'queues[0].arguments["x-u"]',
        'got undefined',
      ],
      [
        'a nested bad argument',
        { queues: [{ name: 'a', arguments: { 'x-t': { k: [1, null] } } }] },
        'queues[0].arguments["x-t"]["k"][1]',
        'got null',
      ],
      [
        'x-max-priority on a quorum queue',
        { queues: [{ name: 'a', type: 'quorum', arguments: { 'x-max-priority': 10 } }] },
        'queues[0].arguments["x-max-priority"]',
        'is not supported by quorum queues (RabbitMQ refuses the declaration), got 10',
      ],
      [
        'an x-queue-type that disagrees with type',
        { queues: [{ name: 'a', arguments: { 'x-queue-type': 'quorum' } }] },
        'queues[0].arguments["x-queue-type"]',
        'set "type" instead, got "quorum"',
      ],
      [
        'a quorum queue whose dead-letter name is too long',
        { queues: [{ name: 'q'.repeat(251), type: 'quorum' }] },
        'queues[0].name',
        'its dead-letter queue name must fit in 255 bytes too',
      ],
      [
        'a queue name used twice',
        { queues: [{ name: 'a' }, { name: 'a', type: 'quorum' }] },
        'queues[1].name',
        'duplicates queues[0].name, got "a"',
      ],
      [
        'an amq. queue',
        { queues: [{ name: 'amq.mine' }] },
        'queues[0].name',
        'must not start with "amq."',
      ],
      [
        'an unknown amq. exchange',
        { queues: [{ name: 'a', exchange: 'amq.mine' }] },
        'queues[0].exchange',
        'one of RabbitMQ\'s built-in amq.direct, amq.topic, amq.fanout, got "amq.mine"',
      ],
      [
        'a built-in exchange of another type',
        { queues: [{ name: 'a', exchange: 'amq.topic' }] },
        'queues[0].exchangeType',
        'must be "topic" for exchange "amq.topic", got "direct"',
      ],
      [
        'a default exchange that is not direct',
        { queues: [{ name: 'a', exchange: '', exchangeType: 'fanout' }] },
        'queues[0].exchangeType',
        'must be "direct" for exchange "", got "fanout"',
      ],
      [
        'an exchange name that is a number',
        { queues: [{ name: 'a', exchange: 7 }] },
        'queues[0].exchange',
        'must be an exchange name, got 7',
      ],
      [
        'queues declaring one exchange with two types',
        {
          queues: [
            { name: 'a', exchange: 'x', exchangeType: 'topic' },
            { name: 'b', exchange: 'x' },
          ],
        },
        'queues[1].exchangeType',
        'declares exchange "x" as "direct", but queues[0] declares it as "topic"',
      ],
      [
        'a queue redeclaring the default exchange with another type',
        { queues: [{ name: 'a', exchange: 'celery', exchangeType: 'fanout' }] },
        'queues[0].exchangeType',
        'but the default queue "celery" declares it as "direct"',
      ],
      [
        'a missing queue whose exchange is configured with another type',
        {
          queues: [{ name: 'a', exchange: 'spill', exchangeType: 'topic' }],
          routes: { 'x.*': 'spill' },
        },
        'routes["x.*"]',
        'declares exchange "spill" as "direct", but queues[0] declares it as "topic"',
      ],
      [
        'routes as an array',
        { routes: [] },
        'routes',
        'must be an object of task name or glob → queue, got an array of 0 items',
      ],
      [
        'an empty route key',
        { routes: { '': 'celery' } },
        'routes[""]',
        'must be a task name or a glob, got an empty key',
      ],
      [
        'an invalid glob',
        { routes: { 'job.[z-a]': 'celery' } },
        'routes["job.[z-a]"]',
        'is not a valid glob',
      ],
      [
        'a route to a number',
        { routes: { a: 42 } },
        'routes["a"]',
        'must be a queue name or { queue?, exchange?, routingKey? }, got 42',
      ],
      [
        'an empty route target',
        { routes: { a: {} } },
        'routes["a"]',
        'must name a queue, an exchange or a routingKey, got an empty target',
      ],
      [
        'a typo in a route target',
        { routes: { a: { qeue: 'celery' } } },
        'routes["a"].qeue',
        'did you mean "queue"?',
      ],
      [
        'a route to an amq. queue',
        { routes: { a: { queue: 'amq.x' } } },
        'routes["a"].queue',
        'must not start with "amq."',
      ],
      [
        'a route with a bad routing key',
        { routes: { a: { routingKey: 5 } } },
        'routes["a"].routingKey',
        'must be a routing key string, got 5',
      ],
      [
        'a route to an unconfigured queue',
        { createMissingQueues: false, routes: { 'a.*': 'nope' } },
        'routes["a.*"]',
        'names a queue that is not configured; add it to "queues" or enable "createMissingQueues", got "nope"',
      ],
      [
        'a route target naming an unconfigured queue',
        { createMissingQueues: false, routes: { a: { queue: 'nope' } } },
        'routes["a"].queue',
        'is not configured',
      ],
      [
        'worker options as a string',
        { worker: 'yes' },
        'worker',
        'must be an object of worker options, got "yes"',
      ],
      [
        'a typo in the worker options',
        { worker: { concurency: 4 } },
        'worker.concurency',
        'did you mean "concurrency"?',
      ],
      [
        'no worker queue',
        { worker: { queues: [] } },
        'worker.queues',
        'must name at least one queue to consume, got an empty array',
      ],
      [
        'a worker queue listed twice',
        { worker: { queues: ['celery', 'celery'] } },
        'worker.queues[1]',
        'duplicates worker.queues[0], got "celery"',
      ],
      [
        'an unconfigured worker queue',
        { createMissingQueues: false, worker: { queues: ['celery', 'nope'] } },
        'worker.queues[1]',
        'is not configured',
      ],
      [
        'a worker queue that is not a name',
        { worker: { queues: [''] } },
        'worker.queues[0]',
        'must be a non-empty queue name, got ""',
      ],
      [
        'zero concurrency',
        { worker: { concurrency: 0 } },
        'worker.concurrency',
        'must be an integer from 1 to 10000, got 0',
      ],
      [
        'too much concurrency',
        { worker: { concurrency: 10_001 } },
        'worker.concurrency',
        'got 10001',
      ],
      ['fractional concurrency', { worker: { concurrency: 2.5 } }, 'worker.concurrency', 'got 2.5'],
      [
        'zero prefetch',
        { worker: { prefetch: 0 } },
        'worker.prefetch',
        'must be an integer from 1 to 65535, got 0',
      ],
      ['prefetch over 65535', { worker: { prefetch: 65_536 } }, 'worker.prefetch', 'got 65536'],
      [
        'a negative grace period',
        { worker: { shutdownGraceMs: -1 } },
        'worker.shutdownGraceMs',
        'must be an integer from 0 to 2147483647, got -1',
      ],
      [
        'an empty node name',
        { worker: { nodeName: '' } },
        'worker.nodeName',
        'must be a non-empty string, got ""',
      ],
    ])('rejects %s', (_case, input, field, problem) => {
      const err = invalidOptionsError(input);
      expect(err.code).toBe('TASK_QUEUE_INVALID_OPTIONS');
      expect(err.field).toBe(field);
      expect(err.message.startsWith(`Invalid Celeriac option "${field}": `)).toBe(true);
      expect(err.message).toContain(problem);
    });

    it.each([
      ['an unparseable url', { url: 'amqp://user:s3cret@host:notaport' }, 'url'],
      ['a url of another scheme', { url: 'redis://user:s3cret@host' }, 'url'],
      ['a bad url in a list', { url: ['amqp://a', 'http://user:s3cret@b'] }, 'url[1]'],
      ['a url with a raw / in the password', { url: 'amqp://user:s3/cret@host:x' }, 'url'],
      ['a url under a misspelt key', { urls: 'amqp://user:s3cret@host' }, 'urls'],
      [
        'a url given as the default queue',
        { defaultQueue: 'amq.//user:s3cret@host' },
        'defaultQueue',
      ],
    ])('never shows a password: %s', (_case, input, field) => {
      const err = invalidOptionsError(input);
      expect(err.field).toBe(field);
      expect(err.message).not.toMatch(/s3\/?cret/);
      expect(err.cause).toBeUndefined();
    });

    it('shows the redacted URL it got', () => {
      expect(invalidOptionsError({ url: 'amqp://user:s3cret@host:notaport' }).message).toContain(
        '"amqp://user:***@host:notaport"',
      );
    });
  });

  describe('immutability', () => {
    const input = {
      url: ['amqp://a', 'amqp://b'],
      queues: [
        {
          name: 'media',
          exchangeType: 'topic',
          bindingKeys: ['media.#'],
          arguments: { 'x-table': { list: [1, 2] } },
        },
      ],
      routes: { 'media.*': 'media', 'x.*': { exchange: 'e', routingKey: 'k' } },
      worker: { queues: ['media'] },
    } satisfies TaskQueueOptions;

    it('returns a deep-frozen result', () => {
      const resolved = resolveOptions(input, ENV);
      expect(isDeepFrozen(resolved)).toBe(true);
      expect(Object.isFrozen(resolved.queues.get('media')?.arguments['x-table'])).toBe(true);
    });

    it('returns a queue map that cannot be changed', () => {
      const queues = resolveOptions(input, ENV).queues as unknown as Record<string, unknown>;
      expect(queues['set']).toBeUndefined();
      expect(queues['delete']).toBeUndefined();
      expect(queues['clear']).toBeUndefined();
      expect(() => Map.prototype.set.call(queues, 'x', 1)).toThrow(TypeError);
    });

    it('neither changes nor freezes its input, and shares nothing with it', () => {
      const before = structuredClone(input);
      const resolved = resolveOptions(input, ENV);
      expect(input).toEqual(before);
      expect(Object.isFrozen(input)).toBe(false);
      expect(Object.isFrozen(input.queues[0]?.arguments)).toBe(false);
      expect(Object.isFrozen(input.queues[0]?.arguments['x-table'].list)).toBe(false);
      expect(resolved.urls).not.toBe(input.url);
      expect(resolved.queues.get('media')?.bindingKeys).not.toBe(input.queues[0]?.bindingKeys);
      expect(resolved.queues.get('media')?.arguments).not.toBe(input.queues[0]?.arguments);
      expect(resolved.routes[1]?.[1]).not.toBe(input.routes['x.*']);
      expect(resolved.worker.queues).not.toBe(input.worker.queues);
    });

    it('accepts frozen input', () => {
      const frozen = Object.freeze({
        queues: Object.freeze([Object.freeze({ name: 'a', bindingKeys: Object.freeze(['a']) })]),
      });
      expect(resolveOptions(frozen, ENV).queues.get('a')?.bindingKeys).toEqual(['a']);
    });
  });
});

describe('resolveOptions: worker.deadLetters', () => {
  const resolve = (deadLetters: unknown) =>
    resolveOptions({ worker: { deadLetters } as never }, { hostname: 'box' }).worker.deadLetters;

  it('turns a limit off with null and refuses a bad value, naming the field', () => {
    expect(resolve({ maxAgeMs: null, maxLength: null, warnDepth: null })).toEqual({
      maxAgeMs: null,
      maxLength: null,
      warnDepth: null,
      checkIntervalMs: 60_000,
    });
    expect(() => resolve({ maxLength: 0 })).toThrow(/worker\.deadLetters\.maxLength/);
    expect(() => resolve({ maxAgeMs: 'a week' })).toThrow(/worker\.deadLetters\.maxAgeMs/);
    expect(() => resolve({ maxAge: 1 })).toThrow(/worker\.deadLetters\.maxAge\b.*maxAgeMs/);
  });
});
