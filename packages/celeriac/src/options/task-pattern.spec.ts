import { compileTaskPattern } from './task-pattern.js';

describe('compileTaskPattern', () => {
  it.each([
    // [pattern, task name, matches]
    ['email.send', 'email.send', true],
    ['email.send', 'email.send.later', false],
    ['email.send', 'emailXsend', false],
    ['media.*', 'media.video', true],
    ['media.*', 'media.video.encode', true],
    ['media.*', 'media.', true],
    ['media.*', 'media', false],
    ['media.*', 'xmedia.video', false],
    ['*.reports', 'billing.monthly.reports', true],
    ['*.reports', 'billing.reports.old', false],
    ['*', 'anything.at.all', true],
    ['*', '', true],
    ['a**b', 'ab', true],
    ['task.?', 'task.1', true],
    ['task.?', 'task.12', false],
    ['task.?', 'task.', false],
    ['task.?', 'task.é', true],
    ['task.?', 'task.😀', true],
    ['job.[ab]', 'job.a', true],
    ['job.[ab]', 'job.c', false],
    ['job.[!ab]', 'job.c', true],
    ['job.[!ab]', 'job.a', false],
    ['job.[a-c]', 'job.b', true],
    ['job.[]]', 'job.]', true],
    ['job.[!]]', 'job.x', true],
    ['job.[^a]', 'job.^', true],
    ['job.[^a]', 'job.b', false],
    ['job.[', 'job.[', true],
    ['job.[x', 'job.[x', true],
    ['a.b*', 'aXb', false],
    ['(a|b)*', '(a|b)c', true],
    ['(a|b)*', 'a', false],
    ['$a+^*', '$a+^zz', true],
    ['Email.*', 'email.send', false],
  ])('%j against %j → %s', (pattern, taskName, matches) => {
    expect(compileTaskPattern(pattern)(taskName)).toBe(matches);
  });

  it('rejects an invalid set', () => {
    expect(() => compileTaskPattern('job.[z-a]')).toThrow(SyntaxError);
  });
});
