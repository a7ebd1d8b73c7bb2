import { defineTask } from 'celeriac';

/** The task's name and types, shared by the API (which sends it) and the worker (which runs it). */
export const greet = defineTask<[name: string], string>('consumer.greet');
