import type { StandardSchemaV1 } from '@standard-schema/spec';
import { InvalidTaskArgumentsError } from '../errors/invalid-task-arguments.error.js';
import { checkWithSchema } from '../task/schema-check.js';

/**
 * Checks a call's positional arguments against its reference's `args` schema before anything is
 * published. What is published is the arguments as given, not the schema's output: the worker checks
 * (and transforms) them again on its side, where they may also come from other senders.
 *
 * @throws InvalidTaskArgumentsError with the schema's issues
 */
export async function checkedArguments(
  task: string,
  schema: StandardSchemaV1,
  args: readonly unknown[],
): Promise<void> {
  const verdict = await checkWithSchema(schema, args);
  if (!verdict.ok) throw new InvalidTaskArgumentsError(task, verdict.issues);
}
