import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { brokerOsPid } from '../faults/support/rabbit.js';

/**
 * The fault suite's broker kill signals one pid: the broker's own. Checked here without signalling
 * anything (the broker is shared), on the live broker.
 */
describe("the fault suite's broker pid", () => {
  it('is the pid of the running broker node, a beam.smp process', async () => {
    const pid = await brokerOsPid();

    const { stdout } = await promisify(execFile)('ps', ['-o', 'comm=', '-p', String(pid)]);
    expect(stdout.trim()).toBe('beam.smp');
    // The node's own answer agrees: the VM that evaluates this is the broker.
    const { stdout: evaluated } = await promisify(execFile)('rabbitmqctl', [
      '-q',
      'eval',
      'os:getpid().',
    ]);
    expect(evaluated.trim()).toBe(`"${pid}"`);
    // And its command line is the broker's, not another Erlang VM's.
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ');
    expect(cmdline).toMatch(/-s rabbit boot|rabbit@/);
  });
});
