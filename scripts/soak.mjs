#!/usr/bin/env node
// The soak (issue 12): `npm run soak -- --minutes N [--seed S]` keeps a steady load on a RabbitMQ node it
// starts itself for N minutes (default 2) while injecting random faults, then prints the ledger (lost,
// duplicates, p99 latency, worker RSS over time). It runs test/soak/soak.soak-spec.ts through Vitest
// (project `soak`), so it uses the fault suite's worker process and ledger as they are.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const env = { ...process.env };
for (let i = 0; i < args.length; i++) {
  const [flag, inline] = args[i].split('=', 2);
  const value = inline ?? args[++i];
  if (flag === '--minutes' && Number(value) > 0) env.SOAK_MINUTES = value;
  else if (flag === '--seed' && Number.isInteger(Number(value))) env.SOAK_SEED = value;
  else {
    console.error(`Usage: npm run soak -- --minutes N [--seed S]   (got ${args.join(' ')})`);
    process.exit(2);
  }
}
const child = spawn('npx', ['vitest', 'run', '--project', 'soak'], {
  cwd: root,
  env,
  stdio: 'inherit',
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
