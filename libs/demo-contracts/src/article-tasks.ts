import { defineTask } from 'celeriac';

/**
 * The demo's task references, shared by the API (producer) and the worker (handlers): the compiler
 * checks both sides against the same argument and result types.
 */
export const incrReadTimes = defineTask<[slug: string], number>('articles.incr_read_times');
export const getReadTimes = defineTask<[slug: string], number>('articles.read_times');
