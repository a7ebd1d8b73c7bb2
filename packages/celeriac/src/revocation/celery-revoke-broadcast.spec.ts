import {
  encodeWithAmqplib,
  loadAmqplibCodec,
  loadFixture,
  readFieldTags,
} from '../../spec-support/celery-fixtures.js';
import { encodeCeleryRevoke } from './celery-revoke-broadcast.js';
import type { RevokeRecord } from './revocation-record.js';

const RECORD: RevokeRecord = {
  kind: 'revoke',
  ids: ['a1', 'b2'],
  terminate: true,
  reason: 'order cancelled',
  at: Date.UTC(2026, 10, 27),
  origin: 'api@host',
};

describe('encodeCeleryRevoke', () => {
  const codec = loadAmqplibCodec();
  // What Celery 5.2.6 sent for a remote-control broadcast (a ping; revoke travels the same way).
  const captured = loadFixture('pidbox_ping_broadcast');

  it('has the properties and header types of a broadcast Celery sent', () => {
    const out = encodeCeleryRevoke(RECORD, 'celeriac.revoked', 7);
    expect(out.properties.contentType).toBe(captured.properties['content_type']);
    expect(out.properties.contentEncoding).toBe(captured.properties['content_encoding']);
    expect(out.properties.deliveryMode).toBe(captured.properties['delivery_mode']);
    expect(out.properties.priority).toBe(captured.properties['priority']);
    expect(readFieldTags(encodeWithAmqplib(codec, out.properties.headers))).toEqual(
      captured.headerFieldTypes,
    );
    expect(
      codec.decodeFields(encodeWithAmqplib(codec, out.properties.headers).subarray(4)),
    ).toEqual({ clock: 7, expires: 0 });
  });

  it("is the body of Celery's app.control.revoke(ids, terminate=...) to every worker", () => {
    const body = JSON.parse(
      encodeCeleryRevoke(RECORD, 'celeriac.revoked', 1).content.toString('utf8'),
    ) as Record<string, unknown>;
    expect(body).toEqual({
      method: 'revoke',
      // celeriac_stream: Celeriac workers reading that stream skip this copy; Celery's **kwargs ignore it.
      arguments: {
        task_id: ['a1', 'b2'],
        terminate: true,
        signal: 'SIGTERM',
        celeriac_stream: 'celeriac.revoked',
      },
      destination: null,
      pattern: null,
      matcher: null,
    });
    // The same envelope as the captured broadcast, less what asks for replies.
    const capturedKeys = Object.keys(captured.body as Record<string, unknown>);
    expect(Object.keys(body)).toEqual(
      capturedKeys.filter((key) => key !== 'ticket' && key !== 'reply_to'),
    );
  });

  it('says terminate false for a plain revoke', () => {
    const body = JSON.parse(
      encodeCeleryRevoke({ ...RECORD, terminate: false }, 'celeriac.revoked', 1).content.toString(
        'utf8',
      ),
    ) as { arguments: { terminate: unknown } };
    expect(body.arguments.terminate).toBe(false);
  });
});
