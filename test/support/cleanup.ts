import {
  BrokerProbe,
  deleteDelayTopology,
  TEST_DELAY_PREFIX,
  TEST_REVOCATION_STREAM,
} from './broker.js';

// Runs in every broker test file (vitest setupFiles): removes the file's own delay cascade and
// revocation stream.
afterAll(async () => {
  await deleteDelayTopology(TEST_DELAY_PREFIX);
  const probe = await BrokerProbe.open();
  try {
    await probe.deleteQueues(TEST_REVOCATION_STREAM);
  } finally {
    await probe.close();
  }
});
