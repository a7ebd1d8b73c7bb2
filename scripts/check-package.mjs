#!/usr/bin/env node
// `npm run check:package [-- --tarball <file>]`: lints the packed library as npm would publish it.
// - publint --strict: the manifest, exports map and files (warnings count as errors);
// - @arethetypeswrong/cli: that TypeScript resolves the types for every export under every resolution
//   mode. One rule is turned off: cjs-resolves-to-esm. The package is ESM only, and CommonJS apps load it
//   with Node's require(esm) (Node 22.12+, no top-level await in the package), which TypeScript 5.8+
//   accepts under module nodenext; the CommonJS consumer test proves that path for real.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { root, tarballFromArgs } from './package-tarball.mjs';

const { tarball } = tarballFromArgs();
const bin = (name) => join(root, 'node_modules/.bin', name);
const checks = [
  ['publint', [bin('publint'), '--strict', tarball]],
  [
    'attw',
    [bin('attw'), '--ignore-rules', 'cjs-resolves-to-esm', '--format', 'table-flipped', tarball],
  ],
];
let failed = 0;
for (const [name, [command, ...args]] of checks) {
  console.log(`\n--- ${name} ---`);
  const { status } = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  console.log(`${name}: ${status === 0 ? 'ok' : `FAILED (exit ${status})`}`);
  if (status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
