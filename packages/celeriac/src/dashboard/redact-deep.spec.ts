import { redactDeep } from './redact-deep.js';

describe('redactDeep', () => {
  it('hides the password of every URL, however deep', () => {
    expect(
      redactDeep({
        broker: { url: 'amqp://celery:s3cret@rabbit:5672/prod' },
        args: "('redis://:pw@cache:6379/0', 'https://u:p@x.example/a')",
        list: ['postgres://app:pa55@db/app', 42, null],
      }),
    ).toEqual({
      broker: { url: 'amqp://celery:***@rabbit:5672/prod' },
      args: "('redis://:***@cache:6379/0', 'https://u:***@x.example/a')",
      list: ['postgres://app:***@db/app', 42, null],
    });
  });

  it('leaves URLs without a password and plain text alone', () => {
    expect(redactDeep('amqp://rabbit:5672 and user@example.com at 10:30')).toBe(
      'amqp://rabbit:5672 and user@example.com at 10:30',
    );
  });
});
