/** The message of a thrown value, whatever was thrown. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err);
  } catch {
    return 'a non-Error value';
  }
}

/** A thrown value as an `Error`, for APIs that must reject with one. */
export function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(errorMessage(err));
}

/** The stack of a thrown Error (or its message), for logs of unexpected failures. */
export function errorStack(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : errorMessage(err);
}
