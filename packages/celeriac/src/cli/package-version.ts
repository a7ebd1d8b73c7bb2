import { readFileSync } from 'node:fs';

/** The installed package's version: package.json sits two levels above both src/cli/ and dist/cli/. */
export function packageVersion(): string {
  const manifest = JSON.parse(
    readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
  ) as { version?: unknown };
  return typeof manifest.version === 'string' ? manifest.version : 'unknown';
}
