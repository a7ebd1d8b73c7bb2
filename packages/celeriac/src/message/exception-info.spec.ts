import {
  invalidTask,
  notRegistered,
  softTimeLimitExceeded,
  taskRevoked,
  timeLimitExceeded,
} from './celery-exceptions.js';
import {
  exceptionToInfo,
  exceptionFromWire,
  exceptionToWire,
  PYTHON_BUILTIN_EXCEPTIONS,
} from './exception-info.js';

class PaymentDeclinedError extends Error {
  override name = 'PaymentDeclinedError';
}

describe('exceptionToInfo', () => {
  it('maps a plain Error to builtins.Exception with [message] and its stack', () => {
    const err = new Error('boom');
    expect(exceptionToInfo(err)).toEqual({
      info: { excType: 'Exception', excModule: 'builtins', excMessage: ['boom'] },
      traceback: err.stack,
    });
    expect(exceptionToInfo(err).traceback).toContain('Error: boom');
  });

  it('maps JS errors whose names are Python builtins to builtins, and RangeError to ValueError', () => {
    expect(exceptionToInfo(new TypeError('t')).info).toEqual({
      excType: 'TypeError',
      excModule: 'builtins',
      excMessage: ['t'],
    });
    expect(exceptionToInfo(new SyntaxError('s')).info.excModule).toBe('builtins');
    expect(exceptionToInfo(new RangeError('r')).info).toEqual({
      excType: 'ValueError',
      excModule: 'builtins',
      excMessage: ['r'],
    });
    for (const name of PYTHON_BUILTIN_EXCEPTIONS) {
      const err = new Error('x');
      err.name = name;
      expect(exceptionToInfo(err).info).toMatchObject({ excType: name, excModule: 'builtins' });
    }
  });

  it('maps other names to module celeriac (a Python client generates a class of that name)', () => {
    expect(exceptionToInfo(new PaymentDeclinedError('no funds')).info).toEqual({
      excType: 'PaymentDeclinedError',
      excModule: 'celeriac',
      excMessage: ['no funds'],
    });
    expect(exceptionToInfo(new ReferenceError('r')).info.excModule).toBe('celeriac');
    const weird = new Error('w');
    weird.name = 'not an identifier!';
    expect(exceptionToInfo(weird).info.excType).toBe('Exception');
  });

  it('lets an error name its Python class with excType/excModule/excArgs', () => {
    const err = Object.assign(new Error('missing'), {
      excType: 'KeyError',
      excModule: 'builtins',
      excArgs: ['user_id'],
    });
    expect(exceptionToInfo(err)).toEqual({
      info: { excType: 'KeyError', excModule: 'builtins', excMessage: ['user_id'] },
      traceback: err.stack,
    });
    const noArgs = Object.assign(new Error('why'), {
      excType: 'Reject',
      excModule: 'celery.exceptions',
    });
    expect(exceptionToInfo(noArgs).info.excMessage).toEqual(['why']);
  });

  it('maps non-Error throws to Exception with [String(value)] and no traceback', () => {
    expect(exceptionToInfo('plain string')).toEqual({
      info: { excType: 'Exception', excModule: 'builtins', excMessage: ['plain string'] },
      traceback: null,
    });
    expect(exceptionToInfo(42).info.excMessage).toEqual(['42']);
    expect(exceptionToInfo({ a: 1 }).info.excMessage).toEqual(['[object Object]']);
    expect(exceptionToInfo(undefined).info.excMessage).toEqual(['undefined']);
    // Neither a missing toString nor a throwing getter escapes.
    expect(exceptionToInfo(Object.create(null)).info.excMessage).toEqual(['[object Object]']);
    const hostile = new Error('x');
    Object.defineProperty(hostile, 'message', {
      get(): string {
        throw new Error('no');
      },
    });
    expect(exceptionToInfo(hostile).info.excType).toBe('Exception');
  });
});

describe('wire form', () => {
  it('writes and reads {exc_type, exc_message, exc_module}', () => {
    const info = { excType: 'ValueError', excModule: 'builtins', excMessage: ['boom'] };
    const wire = exceptionToWire(info);
    expect(wire).toEqual({ exc_type: 'ValueError', exc_message: ['boom'], exc_module: 'builtins' });
    expect(exceptionFromWire(wire)).toEqual(info);
  });

  it('accepts a plain-string exc_message and a missing exc_module', () => {
    expect(
      exceptionFromWire({ exc_type: 'KeyError', exc_message: 'k', exc_module: 'builtins' }),
    ).toEqual({
      excType: 'KeyError',
      excModule: 'builtins',
      excMessage: ['k'],
    });
    expect(exceptionFromWire({ exc_type: 'Old', exc_message: [] })).toEqual({
      excType: 'Old',
      excModule: '',
      excMessage: [],
    });
  });

  it('returns null for values without the exception shape', () => {
    for (const value of [
      null,
      5,
      'ValueError',
      [1],
      {},
      { exc_type: 3 },
      { exc_type: 'X', exc_module: 1 },
    ]) {
      expect(exceptionFromWire(value)).toBeNull();
    }
  });
});

describe("Celery's own exceptions", () => {
  it('match the shapes Celery and billiard send', () => {
    expect(exceptionToWire(notRegistered('tasks.nope'))).toEqual({
      exc_type: 'NotRegistered',
      exc_message: ['tasks.nope'],
      exc_module: 'celery.exceptions',
    });
    expect(exceptionToWire(taskRevoked('expired'))).toEqual({
      exc_type: 'TaskRevokedError',
      exc_message: ['expired'],
      exc_module: 'celery.exceptions',
    });
    expect(exceptionToWire(timeLimitExceeded(30))).toEqual({
      exc_type: 'TimeLimitExceeded',
      exc_message: [30],
      exc_module: 'billiard.exceptions',
    });
    expect(exceptionToWire(invalidTask('bad-header: retries'))).toEqual({
      exc_type: 'InvalidTaskError',
      exc_message: ['bad-header: retries'],
      exc_module: 'celery.exceptions',
    });
    expect(exceptionToWire(softTimeLimitExceeded())).toEqual({
      exc_type: 'SoftTimeLimitExceeded',
      exc_message: [],
      exc_module: 'billiard.exceptions',
    });
  });
});
