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
 * `required` is how many leading parameters have no default (from the handler's `length`); a call that
 * leaves one of them without a value fails as Python's `TypeError` does, instead of running the handler
 * with `undefined` (or, without declared params, with the task context in a data parameter).
 *
 * Returns the values for the leading parameters; the task context goes right after them.
 */
export function bindArguments(
  task: string,
  args: readonly unknown[],
  kwargs: Readonly<Record<string, unknown>>,
  params: readonly string[] | null,
  required = 0,
): unknown[] {
  const keywordNames = Object.keys(kwargs);
  if (params === null) {
    if (keywordNames.length > 0) {
      throw new TaskArgumentError(
        `${task}() got keyword arguments (${keywordNames.join(', ')}) but declares no parameter names; ` +
          `add params to its @Task() options, e.g. @Task({ name: '${task}', params: [...] })`,
      );
    }
    if (args.length < required) throw missingArguments(task, required - args.length, null);
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
  // Only a short call pays for finding the missing names: the common full call allocates nothing here.
  if (args.length < required) {
    const missing = params
      .slice(args.length, required)
      .filter((name) => !Object.hasOwn(kwargs, name));
    if (missing.length > 0) throw missingArguments(task, missing.length, missing);
  }
  return bound;
}

/** Python's wording: `add() missing 2 required positional arguments: 'x' and 'y'`. */
function missingArguments(
  task: string,
  count: number,
  names: readonly string[] | null,
): TaskArgumentError {
  const plural = count === 1 ? '' : 's';
  const quoted = (names ?? []).map((n) => `'${n}'`);
  const list =
    quoted.length === 0
      ? ''
      : `: ${quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(', ')} and ${quoted.at(-1)}`}`;
  return new TaskArgumentError(
    `${task}() missing ${count} required positional argument${plural}${list}`,
  );
}
