// The library as users receive it: `npm pack` of packages/celeriac (its prepack builds dist/ afresh).
// Shared by pack-library.mjs, check-package.mjs and consumer-test.mjs.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const libraryDir = join(root, 'packages/celeriac');

/** Packs the library into `destination` and returns the tarball's path. */
export function packLibrary(destination) {
  mkdirSync(destination, { recursive: true });
  const out = execFileSync(
    'npm',
    ['pack', '--json', '--pack-destination', destination, '--loglevel', 'warn'],
    { cwd: libraryDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  // prepack's build output may precede the JSON on stdout: the report is the last top-level array.
  const report = JSON.parse(out.slice(out.lastIndexOf('\n[') + 1));
  return join(destination, report[0].filename);
}

/**
 * The tarball named by `--tarball <file>` (run-tests packs once and hands it to every package step),
 * or a fresh pack in a temporary directory.
 */
export function tarballFromArgs() {
  const { values, positionals } = parseArgs({
    options: { tarball: { type: 'string' } },
    allowPositionals: true,
  });
  if (values.tarball !== undefined) {
    const file = resolve(root, values.tarball);
    if (!existsSync(file)) {
      throw new Error(`${file} does not exist: run \`npm run pack:lib\` first, or drop --tarball`);
    }
    return { tarball: file, positionals };
  }
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-pack-'));
  console.log(`packing packages/celeriac into ${dir}`);
  return { tarball: packLibrary(dir), positionals };
}
