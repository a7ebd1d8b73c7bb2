import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** The page's scripts, in order: they share one scope (see `scriptOf`). */
const SCRIPTS = ['page-helpers.js', 'page-views.js', 'page-main.js'];

/** The page, ready to send, and the headers that go with it. */
export interface DashboardPage {
  readonly html: string;
  readonly headers: Readonly<Record<string, string>>;
}

let cached: DashboardPage | undefined;

/**
 * The dashboard's one page: `index.html` with its stylesheet and scripts inlined, so that the page works
 * at any mount path without knowing it, in one request. Its Content-Security-Policy allows exactly those
 * two inline blocks (by hash) and requests to its own origin, nothing else. Read once, then kept.
 */
export function dashboardPage(): DashboardPage {
  cached ??= buildPage(
    readAsset('index.html'),
    readAsset('dashboard.css'),
    scriptOf(SCRIPTS.map(readAsset)),
  );
  return cached;
}

/** Builds the page from its three files; pure, for tests. */
export function buildPage(template: string, css: string, js: string): DashboardPage {
  const html = template
    .replace('<!--dashboard.css-->', () => `<style>${css}</style>`)
    .replace('<!--dashboard.js-->', () => `<script>${js}</script>`);
  const policy = [
    "default-src 'none'",
    `style-src 'sha256-${sha256(css)}'`,
    `script-src 'sha256-${sha256(js)}'`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return {
    html,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': policy,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    },
  };
}

/**
 * The page's script files as one script, inside one strict-mode function: they share its scope (the
 * first file's helpers are the later files' too), and nothing leaks into the page's globals.
 */
export function scriptOf(files: readonly string[]): string {
  return `'use strict';\n(() => {\n${files.join('\n')}\n})();\n`;
}

function readAsset(name: string): string {
  // Beside this file: src/dashboard/assets in the repository, dist/dashboard/assets once built.
  return readFileSync(new URL(`./assets/${name}`, import.meta.url), 'utf8');
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64');
}
