#!/usr/bin/env node
// The single test command (`npm test`): first the set-up (setup-tests.mjs: Debian's python3-celery,
// chromium and the Node 22/24 binaries, installed when possible, else a stop at once with the command to
// run), then lint, format check, typecheck, build, the Vitest suites, the package checks and the consumer apps, the unit
// and integration suites again on Node 22 and 24, and the API reference; it ends with one plain
// `N passed, N failed` line (tests + checks) that CI reads. Every step runs even after a failure so the
// summary is complete. Exit code: 1 if anything failed or no test ran, else 0.
//
//   node scripts/run-tests.mjs
//
// Environment: RABBITMQ_URL (default amqp://guest:guest@127.0.0.1:5672) for the broker suites;
// TEST_STEP_TIMEOUT_S (default 600) bounds each step, after which its process group is killed;
// TEST_SKIP_STEPS, a comma-separated list of step names not to run (e.g. `faults` on a broker shared with
// others): each is listed as skipped in the summary and named in the last lines, never left out quietly.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { delimiter, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeLineBin, prepareTestMachine } from './setup-tests.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = join(root, '.test-results');
const rabbitUrl = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const stepTimeoutMs = Number(process.env.TEST_STEP_TIMEOUT_S ?? 600) * 1000;
const scripts = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts ?? {};
/** Where the pack step leaves the tarball for the steps after it. */
const TARBALL = '.test-results/package/celeriac.tgz';

/** Checks count as one test each; suites contribute their Vitest counts. */
const steps = [
  { name: 'lint', kind: 'check', script: 'lint' },
  { name: 'format', kind: 'check', script: 'format:check' },
  { name: 'typecheck', kind: 'check', script: 'typecheck' },
  // The apps are compiled by the Nest CLI with their own tsconfigs; typecheck alone would not catch a broken one.
  { name: 'build', kind: 'check', script: 'build' },
  { name: 'unit', kind: 'suite', script: 'test:unit' },
  // The integration suite runs on Node 22 and 24 below, the lines the package supports, not on the
  // machine's own Node: a third pass would add three minutes and cover no line users run.
  // The dashboard clicked through in Debian's chromium (about 15 s).
  { name: 'browser', kind: 'suite', script: 'test:browser', broker: true },
  { name: 'interop', kind: 'suite', script: 'test:interop', broker: true, optional: true },
  { name: 'faults', kind: 'suite', script: 'test:faults', broker: true, optional: true },
  // On RabbitMQ nodes the tests start themselves (docs/scaling.md): mutual TLS with a CA the test makes,
  // least-privilege users, and a two-minute soak with random faults (lost = 0, RSS flat).
  { name: 'tls', kind: 'suite', script: 'test:tls' },
  { name: 'soak', kind: 'suite', script: 'test:soak' },
  // The package as users receive it: packed once, then linted and installed into two fresh apps.
  { name: 'pack', kind: 'check', script: 'pack:lib' },
  { name: 'package', kind: 'check', script: 'check:package', args: ['--tarball', TARBALL] },
  {
    name: 'consumer-esm',
    kind: 'check',
    script: 'test:consumer',
    args: ['esm', '--tarball', TARBALL],
    broker: true,
  },
  {
    name: 'consumer-cjs',
    kind: 'check',
    script: 'test:consumer',
    args: ['cjs', '--tarball', TARBALL],
    broker: true,
  },
  // The Node LTS lines users run, besides the machine's own Node (binaries from the npm registry).
  { name: 'engines', kind: 'check', script: 'check:engines' },
  ...['node22', 'node24'].flatMap((node) => [
    { name: `unit@${node}`, kind: 'suite', script: 'test:unit', node },
    { name: `int@${node}`, kind: 'suite', script: 'test:int', broker: true, node },
    // Both consumer apps, CommonJS included (require(esm)), on each supported line.
    {
      name: `consumer@${node}`,
      kind: 'check',
      script: 'test:consumer',
      args: ['--tarball', TARBALL],
      broker: true,
      node,
    },
  ]),
  { name: 'docs', kind: 'check', script: 'docs:api' },
];
const skipped = new Set(
  (process.env.TEST_SKIP_STEPS ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean),
);
for (const name of skipped) {
  if (!steps.some((step) => step.name === name)) {
    console.error(
      `TEST_SKIP_STEPS names an unknown step "${name}"; steps: ${steps.map((s) => s.name).join(', ')}`,
    );
    process.exit(2);
  }
}

const rows = [];
const running = new Set();

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const child of running) killGroup(child, 'SIGTERM');
    console.error(`\nrun-tests: interrupted by ${signal}`);
    process.exit(130);
  });
}

mkdirSync(resultsDir, { recursive: true });

banner('setup');
// Exits at once, with the command to run, when something the suites need is missing and cannot be had.
await prepareTestMachine();

for (const step of steps) {
  if (skipped.has(step.name)) {
    banner(`${step.name}: skipped (TEST_SKIP_STEPS)`);
    rows.push({
      step,
      passed: 0,
      failed: 0,
      skipped: 0,
      ms: 0,
      note: 'SKIPPED by TEST_SKIP_STEPS',
    });
    continue;
  }
  if (!(step.script in scripts)) {
    if (step.optional) continue;
    banner(step.name);
    console.log(`package.json has no "${step.script}" script: counted as failed.`);
    rows.push({ step, passed: 0, failed: 1, skipped: 0, ms: 0, note: 'script missing' });
    continue;
  }
  banner(
    `${step.name} (npm run ${[step.script, ...(step.args ? ['--', ...step.args] : [])].join(' ')})` +
      (step.node ? ` on ${step.node}` : ''),
  );
  if (step.broker) {
    const problem = await brokerProblem();
    if (problem) {
      console.log(
        `RabbitMQ is not reachable at ${redact(rabbitUrl)}: ${problem}\n` +
          `Start it with 'rabbitmq-server -detached && rabbitmqctl await_startup' ` +
          `(or point RABBITMQ_URL at a running broker). Suite "${step.name}" is counted as failed.`,
      );
      rows.push({ step, passed: 0, failed: 1, skipped: 0, ms: 0, note: 'broker unreachable' });
      continue;
    }
  }
  rows.push(step.kind === 'check' ? await runCheck(step) : await runSuite(step));
}

printSummary();

const passed = rows.reduce((n, r) => n + r.passed, 0);
const failed = rows.reduce((n, r) => n + r.failed, 0);
const testsRan = rows.some((r) => r.step.kind === 'suite' && r.passed + r.failed > 0);
if (!testsRan) console.log('No test ran: that counts as a failure.');
if (skipped.size > 0) console.log(`Not run (TEST_SKIP_STEPS): ${[...skipped].join(', ')}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || !testsRan ? 1 : 0);

async function runCheck(step) {
  const args = ['run', step.script, ...(step.args ? ['--', ...step.args] : [])];
  const { code, ms, timedOut } = await run('npm', args, step.node);
  const ok = code === 0;
  console.log(`${step.name}: ${ok ? 'ok' : timedOut ? 'TIMED OUT' : `FAILED (exit ${code})`}`);
  return {
    step,
    passed: ok ? 1 : 0,
    failed: ok ? 0 : 1,
    skipped: 0,
    ms,
    note: note(code, timedOut),
  };
}

async function runSuite(step) {
  const outputFile = join(resultsDir, `${step.name}.json`);
  rmSync(outputFile, { force: true });
  const args = ['run', step.script, '--', '--reporter=default', '--reporter=json'];
  const { code, ms, timedOut } = await run(
    'npm',
    [...args, `--outputFile=${outputFile}`],
    step.node,
  );
  let report;
  try {
    report = JSON.parse(readFileSync(outputFile, 'utf8'));
  } catch {
    console.log(`${step.name}: no JSON report at ${relative(root, outputFile)} (exit ${code}).`);
    return {
      step,
      passed: 0,
      failed: 1,
      skipped: 0,
      ms,
      note: `no report; ${note(code, timedOut)}`,
    };
  }
  const passed = report.numPassedTests ?? 0;
  let failed = report.numFailedTests ?? 0;
  const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  const notes = [];
  // A file that fails to load has no failed test in it, but it is a failure all the same.
  const brokenFiles = (report.testResults ?? []).filter(
    (file) =>
      file.status === 'failed' && !(file.assertionResults ?? []).some((t) => t.status === 'failed'),
  );
  if (brokenFiles.length > 0) {
    failed += brokenFiles.length;
    notes.push(`${brokenFiles.length} file(s) failed outside tests`);
    for (const file of brokenFiles) {
      console.log(
        `  failed outside tests: ${relative(root, file.name)}: ${firstLine(file.message)}`,
      );
    }
  }
  // Unhandled errors, a hang killed by the timeout, or "no test files found": Vitest exits non-zero.
  if (code !== 0 && failed === 0) {
    failed = 1;
    notes.push(note(code, timedOut));
  }
  return { step, passed, failed, skipped, ms, note: notes.join('; ') };
}

/**
 * Runs a command in its own process group (so a timeout can kill Vitest's workers too). With `node`
 * (`node22`, `node24`), that Node's bin directory comes first on PATH, so npm, Vitest, the Nest CLI and
 * every process the tests start run on it.
 */
function run(command, args, node) {
  const started = Date.now();
  const env = node
    ? { ...process.env, PATH: `${dirname(nodeLineBin(node))}${delimiter}${process.env.PATH ?? ''}` }
    : process.env;
  if (node)
    console.log(
      `(${node}: ${spawnSync(nodeLineBin(node), ['--version'], { encoding: 'utf8' }).stdout.trim()} first on PATH)`,
    );
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: root,
      env,
      stdio: ['ignore', 'inherit', 'inherit'],
      detached: true,
    });
    running.add(child);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      console.log(`run-tests: ${command} ${args.join(' ')} timed out after ${stepTimeoutMs} ms`);
      killGroup(child, 'SIGTERM');
      setTimeout(() => killGroup(child, 'SIGKILL'), 5000).unref();
    }, stepTimeoutMs);
    const finish = (code) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ code, ms: Date.now() - started, timedOut });
    };
    child.on('error', (err) => {
      console.log(`run-tests: cannot start ${command}: ${err.message}`);
      finish(127);
    });
    child.on('exit', (code, signal) => finish(code ?? (signal ? 128 : 1)));
  });
}

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** Opens and closes one AMQP connection: null when the broker answers, else the reason. */
async function brokerProblem() {
  let amqplib;
  try {
    amqplib = (await import('amqplib')).default;
  } catch (err) {
    return `cannot load amqplib (${err.message}); run 'npm ci' first`;
  }
  try {
    const connection = await amqplib.connect(rabbitUrl, { timeout: 5000 });
    await connection.close();
    return null;
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    // amqplib's text for a refused login or a missing vhost is cryptic: say what to check.
    return /ConnectionClose|ACCESS_REFUSED|403/.test(text)
      ? `${text} (the broker refused the login: check the user, password and vhost in RABBITMQ_URL)`
      : text;
  }
}

function printSummary() {
  banner('summary');
  const header = ['step', 'passed', 'failed', 'skipped', 'time', 'note'];
  const table = rows.map((r) => [
    r.step.kind === 'check' ? `${r.step.name} (check)` : r.step.name,
    String(r.passed),
    String(r.failed),
    String(r.skipped),
    `${(r.ms / 1000).toFixed(1)}s`,
    r.note,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  const line = (cells) =>
    cells
      .map((c, i) =>
        i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]),
      )
      .join('  ')
      .trimEnd();
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of table) console.log(line(row));
  const missing = steps.filter((s) => s.optional && !(s.script in scripts)).map((s) => s.script);
  if (missing.length > 0)
    console.log(`(not defined in package.json, not run: ${missing.join(', ')})`);
}

function note(code, timedOut) {
  if (timedOut) return `timed out after ${stepTimeoutMs / 1000}s`;
  return code === 0 ? '' : `exit ${code}`;
}

function banner(title) {
  console.log(`\n=== ${title} ===`);
}

function firstLine(text) {
  return String(text ?? '')
    .split('\n')[0]
    .slice(0, 200);
}

function redact(url) {
  return url.replace(/:[^:@/]*@/, ':***@');
}
