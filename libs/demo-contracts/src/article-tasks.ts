import { defineTask } from 'celeriac';
import { slugArgs } from './slug-schema.js';

/**
 * The demo's task references, shared by the API (producer) and the worker (handlers): the compiler
 * checks both sides against the same argument and result types, and `incrReadTimes` also checks its
 * argument at run time (a slug), whoever sends it.
 */
export const incrReadTimes = defineTask('articles.incr_read_times', {
  args: slugArgs,
  params: ['slug'],
});
export const getReadTimes = defineTask<[slug: string], number>('articles.read_times', {
  params: ['slug'],
});
/** A chain step after `incrReadTimes`: gets the new count first, then the slug. */
export const indexArticle = defineTask<[reads: number, slug: string], string>('articles.index', {
  params: ['reads', 'slug'],
});
