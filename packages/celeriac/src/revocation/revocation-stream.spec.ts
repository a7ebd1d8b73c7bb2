import { FakeChannelError, FakeTopologyChannel } from '../../spec-support/fake-topology-channel.js';
import {
  assertRevocationStream,
  maxAgeArgument,
  revocationStreamArguments,
  streamOffset,
} from './revocation-stream.js';
import { RevocationStreamError } from '../errors/revocation-stream.error.js';

describe('revocation stream topology', () => {
  it('declares a durable stream with the retention as x-max-age and small segments', async () => {
    const channel = new FakeTopologyChannel();
    await assertRevocationStream(channel, { name: 'celeriac.revoked', retentionMs: 10_800_000 });
    expect(channel.calls).toEqual([
      {
        method: 'assertQueue',
        queue: 'celeriac.revoked',
        options: {
          durable: true,
          exclusive: false,
          autoDelete: false,
          arguments: {
            'x-queue-type': 'stream',
            'x-max-age': '10800s',
            'x-stream-max-segment-size-bytes': 1_000_000,
          },
        },
      },
    ]);
  });

  it('rounds the retention up to whole seconds', () => {
    expect(maxAgeArgument(1)).toBe('1s');
    expect(maxAgeArgument(1_500)).toBe('2s');
    expect(revocationStreamArguments({ name: 's', retentionMs: 60_000 })['x-max-age']).toBe('60s');
  });

  it('explains a 406: another retention, the same option everywhere', async () => {
    const channel = new FakeTopologyChannel();
    await assertRevocationStream(channel, { name: 's', retentionMs: 60_000 });
    channel.reopen();
    const refused = assertRevocationStream(channel, { name: 's', retentionMs: 120_000 });
    await expect(refused).rejects.toBeInstanceOf(RevocationStreamError);
    await expect(refused).rejects.toThrow(/same revocation.retentionMs/);
  });

  it('reports other declaration errors as a stream the broker cannot give', async () => {
    const channel: FakeTopologyChannel = new FakeTopologyChannel();
    channel.failNext('assertQueue', new FakeChannelError(540, 'NOT_IMPLEMENTED'));
    await expect(
      assertRevocationStream(channel, { name: 's', retentionMs: 1_000 }),
    ).rejects.toThrow(/stream_queue feature flag/);
  });

  it('resumes after the last offset read, or starts at the window as a timestamp in seconds', () => {
    expect(streamOffset(41, 0)).toBe(42);
    expect(streamOffset(null, 1_700_000_000_999)).toEqual({
      '!': 'timestamp',
      value: 1_700_000_000,
    });
  });
});
