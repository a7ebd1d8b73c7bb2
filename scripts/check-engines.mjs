#!/usr/bin/env node
// `npm run check:engines`: on each Node line the README names as supported (22 and 24, the binaries in
// test/node-lines), `npm ci --dry-run` must print no EBADENGINE warning: the whole tree, the package's
// own `engines` included, accepts that Node.
import { spawnSync } from 'node:child_process';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeLineBin } from './setup-tests.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
let failed = 0;
for (const line of ['node22', 'node24']) {
  const env = {
    ...process.env,
    PATH: `${dirname(nodeLineBin(line))}${delimiter}${process.env.PATH}`,
  };
  const version = spawnSync('node', ['--version'], { env, encoding: 'utf8' }).stdout.trim();
  const result = spawnSync('npm', ['ci', '--dry-run', '--no-audit', '--no-fund'], {
    cwd: root,
    env,
    encoding: 'utf8',
  });
  const warnings = `${result.stdout}${result.stderr}`
    .split('\n')
    .filter((text) => text.includes('EBADENGINE'));
  if (result.status !== 0 || warnings.length > 0) {
    failed++;
    console.log(
      `Node ${version}: npm ci --dry-run exited ${result.status} with:\n${warnings.join('\n')}`,
    );
  } else {
    console.log(`Node ${version}: npm ci prints no engine warning`);
  }
}
process.exit(failed === 0 ? 0 : 1);
