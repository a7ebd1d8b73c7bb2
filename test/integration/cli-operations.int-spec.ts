import { deadLetterQueueName } from 'celeriac';
import { BrokerProbe, uniqueName } from '../support/broker.js';
import { startWorker, type TestWorker } from '../support/apps.js';
import { runCli } from '../support/cli.js';
import { Injectable } from '@nestjs/common';
import { Task } from 'celeriac';

@Injectable()
class CliTasks {
  @Task({ name: 'cli.add', params: ['x', 'y'] })
  add(x: number, y: number): number {
    return x + y;
  }
}

describe('the celeriac operations commands against a running worker', () => {
  const queue = uniqueName('cli');
  const node = `cli-${queue}@test`;
  let worker: TestWorker;
  let probe: BrokerProbe;

  beforeAll(async () => {
    probe = await BrokerProbe.open();
    worker = await startWorker(
      { defaultQueue: queue, worker: { queues: [queue], nodeName: node } },
      [CliTasks],
    );
  });

  afterAll(async () => {
    await worker.close();
    await probe.deleteQueues(queue, deadLetterQueueName(queue));
    await probe.deleteExchanges(queue);
    await probe.close();
  });

  it('status lists the worker as online', async () => {
    const run = await runCli(['status', '--timeout', '3']);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain(`-> ${node}: OK`);
    expect(run.stdout).toMatch(/\d+ nodes? online\./);
  });

  it('inspect ping and registered, in text and in JSON', async () => {
    const ping = await runCli(['inspect', 'ping', '-d', node, '--json', '--timeout', '3']);
    expect(JSON.parse(ping.stdout)).toEqual({ [node]: { ok: 'pong' } });
    const registered = await runCli(['inspect', 'registered', '-d', node, '--timeout', '3']);
    expect(registered.stdout).toContain(`-> ${node}: OK\n    * cli.add\n`);
  });

  it('control rate_limit changes the worker and says so', async () => {
    const run = await runCli(['control', 'rate_limit', 'cli.add', '10/s', '-d', node, '-t', '3']);
    expect(run.stdout).toContain('new rate limit set successfully');
    const registered = await runCli(['inspect', 'registered', '-d', node, '--json', '-t', '3']);
    expect(JSON.parse(registered.stdout)).toEqual({ [node]: ['cli.add [rate_limit=10/s]'] });
  });

  it('a command error is shown as the worker said it', async () => {
    const run = await runCli(['control', 'autoscale', '4', '1', '-d', node, '-t', '3']);
    expect(run.stdout).toContain(`-> ${node}: ERROR`);
    expect(run.stdout).toContain("ValueError('Autoscale not enabled')");
  });

  it('purge needs --force, then says how many it deleted', async () => {
    const scratch = uniqueName('cli-purge');
    await probe.declareQueue(scratch);
    await probe.publishRaw(scratch, '{}');
    await probe.publishRaw(scratch, '{}');
    const refused = await runCli(['purge', scratch]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('add --force');
    expect(await probe.depth(scratch)).toBe(2);
    const done = await runCli(['purge', scratch, '--force']);
    expect(done.stdout).toBe(`purged 2 message(s) from ${scratch}\n`);
    await probe.deleteQueues(scratch);
  });

  it('dlq list says when there are none', async () => {
    const run = await runCli(['dlq', 'list', queue]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain(`no dead letters in ${queue}.dead`);
  });

  it('an unreachable broker gets one line that says what to do, and no stack trace', async () => {
    const run = await runCli(['status', '--broker', 'amqp://guest:secret@127.0.0.1:1']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toBe(
      'celeriac status: cannot reach the broker at amqp://guest:***@127.0.0.1:1: connection refused; is RabbitMQ running?\n',
    );
  });

  it.each(['inspect', 'control', 'status', 'events', 'purge', 'dlq', 'result'])(
    '%s --help shows examples',
    async (command) => {
      const run = await runCli([command, '--help']);
      expect(run.stdout).toContain('Examples:');
      expect(run.stdout).toContain('--broker');
    },
  );
});
