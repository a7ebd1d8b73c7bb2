#!/usr/bin/env node
// `npm run pack:lib`: packs the library into .test-results/package/celeriac.tgz (replacing what was
// there), for the package checks and the consumer test that run-tests runs next. Prints its path.
import { renameSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { packLibrary, root } from './package-tarball.mjs';

const destination = join(root, '.test-results/package');
rmSync(destination, { recursive: true, force: true });
const tarball = join(destination, 'celeriac.tgz');
renameSync(packLibrary(destination), tarball);
console.log(relative(root, tarball));
