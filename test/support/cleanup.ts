import { deleteDelayTopology, TEST_DELAY_PREFIX } from './broker.js';

// Runs in every broker test file (vitest setupFiles): removes the file's own delay cascade.
afterAll(async () => {
  await deleteDelayTopology(TEST_DELAY_PREFIX);
});
