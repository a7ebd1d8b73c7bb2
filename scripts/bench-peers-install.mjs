#!/usr/bin/env node
// Installs bench/peers' own packages (the systems `npm run bench:peers` measures beside Celeriac) when they
// are missing or differ from its lockfile: `npm ci --legacy-peer-deps` in that folder, since
// @golevelup/nestjs-rabbitmq declares Nest 11 as its peer and the workspace has Nest 12. They stay out of
// the workspace's dependencies. Used by `npm run bench:peers` and by `npm test`'s set-up (lint and the
// type check read bench/peers too).
//
//   node scripts/bench-peers-install.mjs
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const benchPeersDir = join(root, 'bench/peers');

/** Every package the lockfile pins is installed at its version. */
function installed() {
  const lock = JSON.parse(readFileSync(join(benchPeersDir, 'package-lock.json'), 'utf8'));
  return Object.entries(lock.packages ?? {})
    .filter(([path, meta]) => path.startsWith('node_modules/') && !meta.optional)
    .every(([path, meta]) => {
      const pkg = join(benchPeersDir, path, 'package.json');
      return existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).version === meta.version;
    });
}

/** Installs them if needed; returns false (having said why) if npm failed. */
export function ensureBenchPeers() {
  if (installed()) return true;
  console.log(
    'installing the peers of npm run bench:peers (npm ci --legacy-peer-deps in bench/peers)',
  );
  const { status } = spawnSync('npm', ['ci', '--legacy-peer-deps', '--no-audit', '--no-fund'], {
    cwd: benchPeersDir,
    stdio: 'inherit',
  });
  if (status !== 0 || !installed()) {
    console.error(
      'bench/peers could not be installed from the npm registry. Run:\n\n' +
        '    npm ci --prefix bench/peers --legacy-peer-deps\n',
    );
    return false;
  }
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exit(ensureBenchPeers() ? 0 : 1);
}
