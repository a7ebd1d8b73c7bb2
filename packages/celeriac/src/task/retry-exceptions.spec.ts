import { celeryRetry, maxRetriesExceeded } from './retry-exceptions.js';

describe("Celery's own exceptions", () => {
  it('Retry, worded like Celery', () => {
    expect(celeryRetry(0.2)).toEqual({
      excType: 'Retry',
      excModule: 'celery.exceptions',
      excMessage: ['Retry in 0.2s'],
    });
  });

  it('MaxRetriesExceededError names the task and its arguments in Python repr', () => {
    expect(maxRetriesExceeded('math.add', 'id-1', [1, 'a'], { x: true })).toEqual({
      excType: 'MaxRetriesExceededError',
      excModule: 'celery.exceptions',
      excMessage: ["Can't retry math.add[id-1] args:(1, 'a') kwargs:{'x': True}"],
    });
  });
});
