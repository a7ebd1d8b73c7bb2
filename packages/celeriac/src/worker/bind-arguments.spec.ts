import { bindArguments, TaskArgumentError } from './bind-arguments.js';

describe('bindArguments', () => {
  it('passes positional args through when no params are declared', () => {
    expect(bindArguments('t', [1, 'a'], {}, null)).toEqual([1, 'a']);
  });

  it('refuses keyword args without declared params, naming the fix', () => {
    expect(() => bindArguments('tasks.add', [], { x: 1 }, null)).toThrow(
      /declares no parameter names.*params/,
    );
  });

  it('places keyword args at their parameter position', () => {
    expect(bindArguments('t', [], { y: 3, x: 2 }, ['x', 'y'])).toEqual([2, 3]);
    expect(bindArguments('t', [2], { y: 3 }, ['x', 'y'])).toEqual([2, 3]);
  });

  it('keeps the context slot fixed at params.length when args are missing', () => {
    const bound = bindArguments('t', [1], {}, ['x', 'y']);
    expect(bound).toHaveLength(2);
    expect(bound[1]).toBeUndefined();
  });

  it('rejects what Python rejects', () => {
    expect(() => bindArguments('t', [1, 2, 3], {}, ['x', 'y'])).toThrow(
      'takes 2 positional arguments but 3 were given',
    );
    expect(() => bindArguments('t', [1], { x: 1 }, ['x', 'y'])).toThrow(
      "multiple values for argument 'x'",
    );
    expect(() => bindArguments('t', [], { z: 1 }, ['x', 'y'])).toThrow(
      "unexpected keyword argument 'z'",
    );
    expect(() => bindArguments('t', [], { z: 1 }, ['x'])).toThrow(TaskArgumentError);
  });

  it("fails a call that leaves a required parameter without a value, in Python's words", () => {
    expect(() => bindArguments('tasks.add', [1], {}, ['x', 'y'], 2)).toThrow(
      new TaskArgumentError("tasks.add() missing 1 required positional argument: 'y'"),
    );
    expect(() => bindArguments('tasks.add', [], {}, ['x', 'y'], 2)).toThrow(
      "tasks.add() missing 2 required positional arguments: 'x' and 'y'",
    );
    expect(() => bindArguments('tasks.add', [], { y: 1 }, ['x', 'y'], 2)).toThrow(
      "missing 1 required positional argument: 'x'",
    );
    expect(() => bindArguments('tasks.add', [1, 2], {}, null, 3)).toThrow(
      'tasks.add() missing 1 required positional argument',
    );
  });

  it('lets a parameter with a default go unfilled', () => {
    expect(bindArguments('t', [1], {}, ['x', 'y'], 1)).toEqual([1, undefined]);
    expect(bindArguments('t', [], { x: 1 }, ['x', 'y'], 1)).toEqual([1, undefined]);
  });
});
