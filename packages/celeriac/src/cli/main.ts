// The `celeriac` command. Commands live one per file and register themselves on the program
// (program.ts); this file only runs it. Nothing in the library imports the cli/ folder.
import { createProgram } from './program.js';

// No top-level await anywhere in the package, so that CommonJS apps can require() it.
createProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    process.stderr.write(
      `celeriac: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 1;
  });
