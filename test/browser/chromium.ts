import { type Browser, chromium } from 'playwright-core';

/** Debian's chromium (`apt-get install chromium`); scripts/setup-tests.mjs installs it for npm test. */
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/**
 * Headless Debian chromium through playwright-core, which downloads no browser of its own. Playwright
 * gives every launch a fresh temporary profile (its own --user-data-dir) and removes it on close;
 * everything that would reach the network by itself is off.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
