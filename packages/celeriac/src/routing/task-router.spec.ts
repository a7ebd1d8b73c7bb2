import { celeryQueue } from '../options/queue-declarations.js';
import { hasErrorCode } from '../errors/task-queue.error.js';
import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import { UnknownQueueError } from '../errors/unknown-queue.error.js';
import { resolveOptions } from '../options/resolve-options.js';
import type {
  ResolvedRoute,
  RouteTarget,
  TaskQueueOptions,
} from '../options/task-queue-options.js';
import { createTaskRouter } from './task-router.js';

const OPTIONS = {
  queues: [
    { name: 'hipri' },
    { name: 'media', exchangeType: 'topic', bindingKeys: ['media.#', 'video.#'] },
    { name: 'broadcast', exchange: 'bcast', exchangeType: 'fanout' },
    { name: 'unbound', bindingKeys: [] },
    { name: 'local', exchange: '' },
  ],
  routes: {
    'email.send': 'hipri',
    'media.*': { queue: 'media', routingKey: 'media.video' },
    'media.thumbnail': 'hipri',
    'report.?': { exchange: 'reports', routingKey: 'report.daily' },
    'audit.*': { routingKey: 'audit' },
    'notify.*': { queue: 'media', exchange: 'media' },
    'fan.*': 'broadcast',
    'later.*': 'spillover',
  },
} satisfies TaskQueueOptions;

const router = createTaskRouter(resolveOptions(OPTIONS, { hostname: 'test' }));

type Expected = Omit<ResolvedRoute, 'declare'> & { declare?: ResolvedRoute['declare'] };

describe('TaskRouter.route', () => {
  it.each<[string, string, RouteTarget, Expected]>([
    // No route, no options: the default queue, through the default exchange, as Celery 5.2 publishes.
    ['no route', 'other.task', {}, { queue: 'celery', exchange: '', routingKey: 'celery' }],
    ['an exact route', 'email.send', {}, { queue: 'hipri', exchange: '', routingKey: 'hipri' }],
    [
      'an exact key matches only itself',
      'email.send.bulk',
      {},
      { queue: 'celery', exchange: '', routingKey: 'celery' },
    ],
    [
      'a glob across dots, with its routing key and the queue exchange',
      'media.video.encode',
      {},
      { queue: 'media', exchange: 'media', routingKey: 'media.video' },
    ],
    [
      'the first match, in order',
      'media.thumbnail',
      {},
      { queue: 'media', exchange: 'media', routingKey: 'media.video' },
    ],
    [
      'a route with no queue',
      'report.x',
      {},
      { queue: null, exchange: 'reports', routingKey: 'report.daily' },
    ],
    [
      '? takes exactly one character',
      'report.xy',
      {},
      { queue: 'celery', exchange: '', routingKey: 'celery' },
    ],
    [
      'a routing key alone: default queue, its exchange',
      'audit.login',
      {},
      { queue: 'celery', exchange: 'celery', routingKey: 'audit' },
    ],
    [
      'an exchange alone: the queue first binding key',
      'notify.user',
      {},
      { queue: 'media', exchange: 'media', routingKey: 'media.#' },
    ],
    [
      'a fanout queue',
      'fan.out',
      {},
      { queue: 'broadcast', exchange: '', routingKey: 'broadcast' },
    ],
    [
      'a route to a missing queue, added at resolve time',
      'later.job',
      {},
      { queue: 'spillover', exchange: '', routingKey: 'spillover', declare: null },
    ],
    [
      'an explicit queue over the route',
      'email.send',
      { queue: 'media' },
      { queue: 'media', exchange: '', routingKey: 'media' },
    ],
    [
      'explicit fields merged over the route, field by field',
      'media.x',
      { queue: 'hipri' },
      { queue: 'hipri', exchange: 'hipri', routingKey: 'media.video' },
    ],
    [
      'an explicit routing key',
      'other',
      { routingKey: 'k' },
      { queue: 'celery', exchange: 'celery', routingKey: 'k' },
    ],
    [
      'an explicit routing key over the route',
      'media.x',
      { routingKey: 'video.hd' },
      { queue: 'media', exchange: 'media', routingKey: 'video.hd' },
    ],
    [
      'an explicit exchange without a routing key',
      'other',
      { queue: 'media', exchange: 'media' },
      { queue: 'media', exchange: 'media', routingKey: 'media.#' },
    ],
    [
      'the default exchange without a routing key: the queue name',
      'other',
      { queue: 'media', exchange: '' },
      { queue: 'media', exchange: '', routingKey: 'media' },
    ],
    [
      'an exchange for a queue with no binding keys',
      'other',
      { queue: 'unbound', exchange: 'unbound' },
      { queue: 'unbound', exchange: 'unbound', routingKey: 'unbound' },
    ],
    [
      'an explicit exchange and routing key, no queue',
      'other',
      { exchange: 'x', routingKey: 'y' },
      { queue: null, exchange: 'x', routingKey: 'y' },
    ],
    [
      'an explicit exchange and routing key keep the route queue',
      'email.send',
      { exchange: 'x', routingKey: 'y' },
      { queue: 'hipri', exchange: 'x', routingKey: 'y' },
    ],
    [
      'a routing key for a queue on the default exchange',
      'other',
      { queue: 'local', routingKey: 'local' },
      { queue: 'local', exchange: '', routingKey: 'local' },
    ],
    [
      'an explicit missing queue, declared',
      'other',
      { queue: 'adhoc' },
      { queue: 'adhoc', exchange: '', routingKey: 'adhoc', declare: celeryQueue('adhoc') },
    ],
    [
      'an explicit missing queue with a routing key',
      'other',
      { queue: 'adhoc', routingKey: 'k' },
      { queue: 'adhoc', exchange: 'adhoc', routingKey: 'k', declare: celeryQueue('adhoc') },
    ],
  ])('%s: %s %j', (_case, taskName, explicit, expected) => {
    expect(router.route(taskName, explicit)).toEqual({ declare: null, ...expected });
  });

  it('routes without explicit options', () => {
    expect(router.route('email.send')).toEqual({
      queue: 'hipri',
      exchange: '',
      routingKey: 'hipri',
      declare: null,
    });
  });

  it('returns frozen routes', () => {
    const route = router.route('other', { queue: 'adhoc' });
    expect(Object.isFrozen(route)).toBe(true);
    expect(Object.isFrozen(route.declare)).toBe(true);
  });

  it('uses the default queue it was given', () => {
    const custom = createTaskRouter(
      resolveOptions({ defaultQueue: 'tasks' }, { hostname: 'test' }),
    );
    expect(custom.route('any')).toEqual({
      queue: 'tasks',
      exchange: '',
      routingKey: 'tasks',
      declare: null,
    });
  });

  describe('without createMissingQueues', () => {
    const strict = createTaskRouter(
      resolveOptions({ ...OPTIONS, routes: {}, createMissingQueues: false }, { hostname: 'test' }),
    );

    it('refuses an unconfigured queue, saying how to fix it', () => {
      const attempt = (): unknown => strict.route('other', { queue: 'adhoc' });
      expect(attempt).toThrow(UnknownQueueError);
      expect(attempt).toThrow(
        'Queue "adhoc" is not configured: add it to the "queues" option, or enable "createMissingQueues"',
      );
      try {
        attempt();
      } catch (err: unknown) {
        expect(hasErrorCode(err, 'TASK_QUEUE_UNKNOWN_QUEUE')).toBe(true);
        expect((err as UnknownQueueError).queue).toBe('adhoc');
      }
    });

    it('still publishes to an exchange and routing key without a queue', () => {
      expect(strict.route('other', { exchange: 'x', routingKey: 'y' })).toEqual({
        queue: null,
        exchange: 'x',
        routingKey: 'y',
        declare: null,
      });
    });
  });

  it.each(['amq.private', '', 'q'.repeat(256)])(
    'refuses to create a queue RabbitMQ would refuse: %j',
    (queue) => {
      expect(() => router.route('other', { queue })).toThrow(InvalidOptionsError);
    },
  );
});

describe('TaskRouter.queue', () => {
  it('returns a configured queue', () => {
    expect(router.queue('media').exchangeType).toBe('topic');
  });

  it('shapes an unconfigured queue as Celery missing queue', () => {
    expect(router.queue('adhoc')).toEqual(celeryQueue('adhoc'));
  });

  it('refuses an unconfigured queue without createMissingQueues', () => {
    const strict = createTaskRouter(
      resolveOptions({ createMissingQueues: false }, { hostname: 'test' }),
    );
    expect(() => strict.queue('adhoc')).toThrow(UnknownQueueError);
  });
});
