#!/usr/bin/env node
// The `celeriac` command. A committed stub rather than the built file itself: npm links a package's
// bin at install time, before `prepare` has built dist/, and skips a bin whose file is not there yet.
import '../dist/cli/main.js';
