import { isObservable } from 'rxjs';
import type { RegisteredTask } from '../discovery/task-registry.js';
import { ValidationError } from '../errors/validation.error.js';
import type { TaskMessage } from '../message/task-message.js';
import type { TaskContext } from '../task/task-context.js';
import { checkWithSchema } from '../task/schema-check.js';
import { bindArguments } from './bind-arguments.js';

/** How the server calls a task's handler with a message's arguments. */
export type BoundHandler = (message: TaskMessage, ctx: TaskContext) => Promise<unknown>;

/**
 * The handler call for a task. A task without schemas gets the plain call, with nothing added per
 * message; a task whose reference has schemas gets the checked call (`checkedCall`). The choice is
 * made once, at boot.
 */
export function boundHandler(task: RegisteredTask): BoundHandler {
  const { name, params, argsSchema, resultSchema } = task.metadata;
  const required = requiredCount(task);
  if (!argsSchema && !resultSchema) {
    return (message, ctx) =>
      Promise.resolve(
        task.handler(...bindArguments(name, message.args, message.kwargs, params, required), ctx),
      );
  }
  return (message, ctx) => checkedCall(task, required, message, ctx);
}

/**
 * How many leading parameters a call must fill: those before the first default (`handler.length`).
 * With declared params, no more than they name; without, the last counted one may be the task context.
 */
function requiredCount(task: RegisteredTask): number {
  const { params } = task.metadata;
  const length = task.handler.length;
  return params ? Math.min(length, params.length) : Math.max(0, length - 1);
}

/**
 * Binds the arguments, checks them against the `args` schema and passes the schema's output to the
 * handler (so a schema that coerces, say an ISO string to a `Date`, hands the handler the `Date`); then
 * checks what the handler returned against the `result` schema. A rejection is a `ValidationError`,
 * which the worker never retries. An Observable result is left to the worker to drain, unchecked.
 */
async function checkedCall(
  task: RegisteredTask,
  required: number,
  message: TaskMessage,
  ctx: TaskContext,
): Promise<unknown> {
  const { name, params, argsSchema, resultSchema } = task.metadata;
  let args: readonly unknown[] = bindArguments(
    name,
    message.args,
    message.kwargs,
    params,
    // A schema judges the call itself, with a message that names the schema's expectations.
    argsSchema ? 0 : required,
  );
  if (argsSchema) {
    const verdict = await checkWithSchema(argsSchema, args);
    if (!verdict.ok) throw new ValidationError(name, 'arguments', verdict.issues);
    if (!Array.isArray(verdict.value)) {
      throw new ValidationError(name, 'arguments', [
        { message: 'the args schema must produce an array (use a tuple schema)' },
      ]);
    }
    args = verdict.value as readonly unknown[];
  }
  const out: unknown = await task.handler(...args, ctx);
  if (!resultSchema || isObservable(out)) return out;
  const verdict = await checkWithSchema(resultSchema, out);
  if (!verdict.ok) throw new ValidationError(name, 'result', verdict.issues);
  return verdict.value;
}
