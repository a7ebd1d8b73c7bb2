import { z } from 'zod';
import { defineTask, type TaskRef } from './task-ref.js';

describe('defineTask', () => {
  it('is only a name when given no contract', () => {
    expect(defineTask('tasks.noop')).toEqual({ name: 'tasks.noop' });
  });

  it('carries the schemas, the parameter names and ignoreResult, frozen', () => {
    const args = z.tuple([z.number(), z.number()]);
    const result = z.number();
    const add = defineTask('tasks.add', { args, result, params: ['x', 'y'], ignoreResult: true });
    expect(add).toEqual({
      name: 'tasks.add',
      argsSchema: args,
      resultSchema: result,
      paramNames: ['x', 'y'],
      ignoresResult: true,
    });
    expect(Object.isFrozen(add)).toBe(true);
  });

  it('takes its types from the schemas', () => {
    const add = defineTask('tasks.add', {
      args: z.tuple([z.number(), z.string()]),
      result: z.boolean(),
    });
    expectTypeOf(add).toEqualTypeOf<TaskRef<[number, string], boolean>>();
  });

  it('wants one parameter name per argument', () => {
    defineTask<[x: number, y: number], number>('tasks.add', { params: ['x', 'y'] });
    // @ts-expect-error one name too few
    defineTask<[x: number, y: number], number>('tasks.add', { params: ['x'] });
  });
});
