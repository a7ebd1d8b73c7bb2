import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { SchemaIssue } from '../errors/schema-issues.js';

/** A schema's verdict: the (possibly transformed) value, or the issues. */
export type SchemaVerdict<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly issues: readonly SchemaIssue[] };

/**
 * Runs a Standard Schema on a value. A schema may answer synchronously or with a promise; either way this
 * returns a promise, and a schema that throws is reported as one issue rather than escaping.
 */
export async function checkWithSchema<T>(
  schema: StandardSchemaV1<unknown, T>,
  value: unknown,
): Promise<SchemaVerdict<T>> {
  let result: StandardSchemaV1.Result<T>;
  try {
    result = await schema['~standard'].validate(value);
  } catch (err: unknown) {
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, issues: [{ message: `the schema threw: ${message}` }] };
  }
  return result.issues ? { ok: false, issues: result.issues } : { ok: true, value: result.value };
}
