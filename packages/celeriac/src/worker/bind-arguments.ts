/** A call that does not fit the handler's parameters; reported as Python's `TypeError`. */
export class TaskArgumentError extends TypeError {
  readonly excType = 'TypeError';
  readonly excModule = 'builtins';

  constructor(message: string) {
    super(message);
    this.name = 'TypeError';
  }
}

/**
 * Puts positional args and keyword args into one positional list, the way Python binds a call:
 * a keyword lands at its parameter's position, a parameter given twice or an unknown keyword is an
 * error. Without declared `params` only positional args are accepted, so a kwargs-only call from Python
 * fails loudly instead of shifting the task context into a data parameter.
 *
 * Returns the values for the leading parameters; the task context goes right after them.
 */
export function bindArguments(
  task: string,
  args: readonly unknown[],
  kwargs: Readonly<Record<string, unknown>>,
  params: readonly string[] | null,
): unknown[] {
  const keywordNames = Object.keys(kwargs);
  if (params === null) {
    if (keywordNames.length > 0) {
      throw new TaskArgumentError(
        `${task}() got keyword arguments (${keywordNames.join(', ')}) but declares no parameter names; ` +
          `add params to its @Task() options, e.g. @Task({ name: '${task}', params: [...] })`,
      );
    }
    return [...args];
  }
  if (args.length > params.length) {
    throw new TaskArgumentError(
      `${task}() takes ${params.length} positional arguments but ${args.length} were given`,
    );
  }
  const bound: unknown[] = [...args];
  // Missing trailing values stay undefined so that JavaScript default parameters apply.
  bound.length = params.length;
  for (const name of keywordNames) {
    const index = params.indexOf(name);
    if (index === -1)
      throw new TaskArgumentError(`${task}() got an unexpected keyword argument '${name}'`);
    if (index < args.length)
      throw new TaskArgumentError(`${task}() got multiple values for argument '${name}'`);
    bound[index] = kwargs[name];
  }
  return bound;
}
