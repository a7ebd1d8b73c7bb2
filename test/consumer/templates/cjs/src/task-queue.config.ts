import type { TaskQueueOptions } from 'celeriac';

/**
 * The options the API and the worker must agree on, in one place: both modules call this.
 * The consumer test gives every run names of its own, so that runs never share a queue.
 */
export function taskQueueOptions(): TaskQueueOptions {
  const queue = process.env['CONSUMER_QUEUE'] ?? 'celery';
  return {
    url: process.env['RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672',
    defaultQueue: queue,
    delayPrefix: `${queue}.delay`,
    revocation: { stream: `${queue}.revoked` },
  };
}
