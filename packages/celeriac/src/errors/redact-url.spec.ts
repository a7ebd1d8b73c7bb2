import { redactUrl } from './redact-url.js';

describe('redactUrl', () => {
  it.each([
    ['amqp://guest:guest@127.0.0.1:5672', 'amqp://guest:***@127.0.0.1:5672'],
    [
      'amqps://user:s3cr%40t@rabbit.example.com:5671/%2F?heartbeat=10',
      'amqps://user:***@rabbit.example.com:5671/%2F?heartbeat=10',
    ],
    ['AMQP://user:pw@host', 'AMQP://user:***@host'],
    ['amqp://:pw@host', 'amqp://:***@host'],
    ['amqp://u:p@host/vhost@odd', 'amqp://u:***@host/vhost@odd'],
  ])('redacts the password of %s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });

  it.each([
    'amqp://localhost',
    'amqp://rabbit:5672/vhost',
    'amqp://user@host',
    'amqp://host/vhost@odd',
    'celery',
    '',
  ])('leaves %j alone: it holds no password', (url) => {
    expect(redactUrl(url)).toBe(url);
  });

  it.each([
    ['a raw @', 'amqp://user:p@ss@host', 'amqp://user:***@host'],
    ['a raw /', 'amqp://user:pa/ss@host/vh', 'amqp://user:***@host/vh'],
    ['a raw # after digits (parses as a port)', 'amqp://user:12#34@host', 'amqp://user:***@host'],
    ['a raw ?', 'amqp://user:pa?ss@host', 'amqp://user:***@host'],
    ['no scheme', 'user:secret@host:5672', 'user:***@host:5672'],
    ['a bad port', 'amqp://user:secret@host:notaport', 'amqp://user:***@host:notaport'],
  ])('never leaks a password with %s', (_case, url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });

  it.each(['p@ss', 'pa/ss', 'p#a?s@s/w', '12#34', 'x:y', 'sp ace', 'ünï'])(
    'hides the password %j whatever it contains',
    (password) => {
      const redacted = redactUrl(`amqp://user:${password}@host:5672/vh`);
      expect(redacted).not.toContain(password);
      expect(redacted.startsWith('amqp://user:***@')).toBe(true);
    },
  );
});
