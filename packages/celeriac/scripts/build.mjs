#!/usr/bin/env node
// Builds the package into dist/: ESM JavaScript, .d.ts files and source maps, from a clean directory so
// that a file deleted from src/ cannot linger in the tarball.
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

rmSync(join(packageDir, 'dist'), { recursive: true, force: true });
const { status } = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.lib.json'], {
  cwd: packageDir,
  stdio: 'inherit',
});
if (status !== 0) process.exit(status ?? 1);
// The dashboard's page (HTML, CSS, plain JS) is read at run time from beside the compiled module.
cpSync(join(packageDir, 'src/dashboard/assets'), join(packageDir, 'dist/dashboard/assets'), {
  recursive: true,
});
