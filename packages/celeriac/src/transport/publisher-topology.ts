import type { Channel } from 'amqplib';
import type { TopologySetup } from './publish-request.js';

/**
 * The broker entities the publishing channel declares: each once per key, and all of them again in the
 * setup of every new channel (after a reconnect), since a broker restart may have lost the non-durable ones.
 */
export class PublisherTopology {
  private readonly declarations = new Map<string, Promise<void>>();
  private readonly setups = new Map<string, TopologySetup>();

  /** @param addSetup runs a setup on the current channel now and registers it for later channels */
  constructor(private readonly addSetup: (setup: TopologySetup) => Promise<void>) {}

  /**
   * Declares with `setup` now and after every reconnect. One promise per key: a second caller must wait
   * for the same declaration, not skip it, or it publishes to an exchange that does not exist yet (a 404
   * closes the shared channel). A failed declaration is forgotten, so the next call tries again.
   */
  ensure(key: string, setup: TopologySetup): Promise<void> {
    let declared = this.declarations.get(key);
    if (!declared) {
      this.setups.set(key, setup);
      declared = this.addSetup(setup).catch((err: unknown) => {
        this.setups.delete(key);
        this.declarations.delete(key);
        throw err;
      });
      this.declarations.set(key, declared);
    }
    return declared;
  }

  /** Runs every registered setup on a new channel. */
  async replay(channel: Channel): Promise<void> {
    for (const setup of this.setups.values()) await setup(channel);
  }
}
