import { brokerRunning, restoreBrokerDefaults } from './rabbit.js';
import { Scenario } from './scenario.js';

/**
 * The hooks every fault file needs, registered once: a test's scenario is disposed (its vhost and all)
 * after the test, and after the file the broker's settings are restored and it must still be running.
 * Call it first in the `describe`, so hooks the file adds later run before the dispose.
 *
 * @returns starts the current test's scenario
 */
export function faultScenarios(): (id: string) => Promise<Scenario> {
  let current: Scenario | undefined;
  afterEach(async () => {
    await current?.dispose();
    current = undefined;
  });
  afterAll(async () => {
    await restoreBrokerDefaults();
    expect(await brokerRunning()).toBe(true);
  });
  return async (id) => (current = await Scenario.create(id));
}
