import 'reflect-metadata';
import { runWorker } from 'celeriac';
import { FileLedger } from '../support/ledger.js';
import { FaultsWorkerModule } from './faults-worker.module.js';
import { dieOnChordJoin } from '../support/die-on-chord-join.js';

// The "killed between a member's result and its ack" fault: armed before the worker consumes.
const killOn = process.env['FAULTS_DIE_ON_CHORD_JOIN'];
if (killOn) dieOnChordJoin();

// Started as `node dist/faults-worker/test/faults/worker/main.js` (never through npm, which would not pass
// SIGTERM on). Writes a `ready` row once it consumes.
await runWorker(FaultsWorkerModule, { logger: ['log', 'warn', 'error'] });
const ledger = new FileLedger(process.env['FAULTS_LEDGER'] ?? '');
ledger.record({ e: 'ready', pid: process.pid, t: Date.now() });
ledger.close();
