import { defineConfig } from 'vitest/config';

// No 'import' here: Vitest hands these to Node as --conditions too, and with 'import' a require() from
// a CommonJS package (express's router requiring is-promise) would load the ESM build. Vite adds 'import'
// or 'require' itself, by how each module is imported.
const SOURCE_CONDITIONS = ['celeriac-source', 'node', 'default'];

// One config, separate projects: unit specs are pure and fast; broker suites run serially against the
// real RabbitMQ (they share one broker, so files must not interleave).
export default defineConfig({
  // `celeriac` and the demo contracts resolve to their TypeScript source through the workspace packages'
  // "celeriac-source" export condition (as tsconfig.json's customConditions does for the compiler), so the
  // suites test the code as it is, with no build first. Tests run in Vite's SSR environment.
  resolve: { conditions: SOURCE_CONDITIONS },
  ssr: { resolve: { conditions: SOURCE_CONDITIONS } },
  test: {
    globals: true,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['{apps,libs,packages}/**/*.spec.ts', 'test/unit/**/*.spec.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'int',
          include: [
            'test/integration/**/*.int-spec.ts',
            'test/e2e/**/*.e2e-spec.ts',
            // What the transport assumes of amqplib's internals, held against the real broker.
            'packages/celeriac/src/**/*.int-spec.ts',
          ],
          setupFiles: ['test/support/cleanup.ts'],
          fileParallelism: false,
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          // The dashboard in Debian's chromium (playwright-core), against the real broker: one file, about
          // 20 s, kept apart so that the int suite never waits on a browser.
          name: 'browser',
          include: ['test/browser/**/*.browser-spec.ts'],
          setupFiles: ['test/support/cleanup.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          // Against real Python Celery 5.2 (Debian's python3-celery): slow to start, so kept apart.
          name: 'interop',
          include: ['test/interop/**/*.interop-spec.ts'],
          setupFiles: ['test/support/cleanup.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
      {
        extends: true,
        test: {
          // Fault injection (reliability.md §6): restarts and alarms hit the whole broker, so one file and
          // one test at a time, with room for a broker restart in every test.
          name: 'faults',
          include: ['test/faults/**/*.fault-spec.ts'],
          fileParallelism: false,
          sequence: { concurrent: false },
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          // RabbitMQ nodes of their own (a 3-node cluster, a TLS node), started and stopped by the tests:
          // never the machine's shared broker. Erlang nodes are CPU-hungry, so one file at a time.
          name: 'cluster',
          include: ['test/cluster/**/*.cluster-spec.ts'],
          fileParallelism: false,
          sequence: { concurrent: false },
          testTimeout: 240_000,
          hookTimeout: 240_000,
        },
      },
      {
        extends: true,
        test: {
          // `npm run soak -- --minutes N`: minutes of load and random faults on a node of its own; the test
          // sets its own timeout from SOAK_MINUTES.
          name: 'soak',
          include: ['test/soak/**/*.soak-spec.ts'],
          fileParallelism: false,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
