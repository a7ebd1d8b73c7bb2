/**
 * How a remote failure reads on a TypeScript caller's side: the class name a JavaScript reader expects, a
 * sentence for Celery's time limits, and the worker's stack as an `Error` to hang on `cause`. The wire
 * keeps Celery's names (`Exception` in `builtins` for a plain `Error`), so a Python caller still sees a
 * Python exception; only the reading changes here.
 */

/** A JavaScript stack: `Name: message` on the first line, then `    at ...` frames. */
const JS_STACK = /^([A-Za-z_$][\w$]*)(?::|\n|$)[^]*?\n\s+at /;

/** The JavaScript class name when the worker was a Node worker (its traceback is a JS stack), else null. */
export function jsNameOf(traceback: string | null): string | null {
  if (traceback === null) return null;
  return JS_STACK.exec(traceback)?.[1] ?? null;
}

/** Celery's time-limit exceptions carry only a number; say what happened instead. */
export function failureText(
  excType: string,
  excModule: string,
  excMessage: readonly unknown[],
): string {
  if (excModule === 'billiard.exceptions' || excModule === 'celery.exceptions') {
    const [seconds] = excMessage;
    const limit = typeof seconds === 'number' ? ` of ${seconds} s` : '';
    if (excType === 'TimeLimitExceeded') return `the task ran past its hard time limit${limit}`;
    if (excType === 'SoftTimeLimitExceeded') return `the task ran past its soft time limit${limit}`;
  }
  return excMessage.map((m) => String(m)).join(', ');
}

/** The worker's failure as an Error with the worker's own stack, for `cause`; null without a JS stack. */
export function remoteError(name: string, text: string, traceback: string | null): Error | null {
  if (traceback === null) return null;
  const error = new Error(text);
  error.name = name;
  error.stack = traceback;
  return error;
}
