import type { Channel } from 'amqplib';
import type { TopologySetup } from './publish-request.js';

/**
 * The broker entities the publishing channel declares: each once per key, and all of them again in the
 * setup of every new channel (after a reconnect), since a broker restart may have lost the non-durable ones.
 * This is the only place setups are replayed: registering them with amqp-connection-manager as well
 * would run each twice per reconnect, and keep one that failed for ever.
 */
export class PublisherTopology {
  private readonly declarations = new Map<string, Promise<void>>();
  private readonly setups = new Map<string, TopologySetup>();
  /** The channel every registered setup has run on, until it closes; undefined while none. */
  private current: Channel | undefined;

  /**
   * Declares with `setup` now (when a channel is set up) and after every reconnect. One promise per key:
   * a second caller must wait for the same declaration, not skip it, or it publishes to an exchange that
   * does not exist yet (a 404 closes the shared channel). A failed declaration is forgotten, so the next
   * call tries again. With no channel set up, the next channel's replay declares it before any publish
   * is written.
   */
  ensure(key: string, setup: TopologySetup): Promise<void> {
    let declared = this.declarations.get(key);
    if (!declared) {
      this.setups.set(key, setup);
      const channel = this.current;
      declared = (channel ? setup(channel) : Promise.resolve()).catch((err: unknown) => {
        this.setups.delete(key);
        this.declarations.delete(key);
        throw err;
      });
      this.declarations.set(key, declared);
    }
    return declared;
  }

  /**
   * Runs every registered setup on a new channel, including those registered while it runs (a `Map`
   * iterates over entries added during the loop); the channel counts as set up in the same turn as the
   * loop ends, so no `ensure()` can fall between the two.
   */
  async replay(channel: Channel): Promise<void> {
    this.current = undefined;
    channel.once('close', () => {
      if (this.current === channel) this.current = undefined;
    });
    for (const [key, setup] of this.setups) {
      try {
        await setup(channel);
      } catch (err: unknown) {
        // The broker refused it and closed the channel: replayed on every new channel, it would close
        // each one again (a reconnect loop). Forgotten, the next ensure() of the key declares it again
        // and tells its caller. The setups after it failed only because the channel closed: kept.
        this.setups.delete(key);
        this.declarations.delete(key);
        throw err;
      }
    }
    this.current = channel;
  }
}
