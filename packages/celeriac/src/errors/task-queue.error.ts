/**
 * Base of every error Celeriac throws. `code` is stable and safe to check across copies of the package
 * (use `hasErrorCode()`), where `instanceof` may not be.
 */
export abstract class TaskQueueError extends Error {
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** True when `err` is a Celeriac error with this `code`, from whichever copy of the package. */
export function hasErrorCode(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}
