import type { Command } from 'commander';
import { createProgram } from './program.js';

function workerCommand(program: Command): Command {
  const worker = program.commands.find((command) => command.name() === 'worker');
  if (!worker) throw new Error('no worker command');
  return worker;
}

describe('the celeriac program', () => {
  it('lists the worker command in its help', () => {
    expect(createProgram().helpInformation()).toMatch(/worker \[options\]/);
  });

  it("appends the worker flags to the worker command's help, without a second --help line", () => {
    const program = createProgram();
    const help: string[] = [];
    program.exitOverride();
    program.configureOutput({ writeOut: (text) => help.push(text) });
    workerCommand(program)
      .exitOverride()
      .configureOutput({ writeOut: (text) => help.push(text) });
    expect(() => program.parse(['node', 'celeriac', 'worker', '--help'])).toThrow();
    const text = help.join('');
    expect(text).toContain('--module <file#export>');
    expect(text).toContain('-Q, --queues <a,b>');
    expect(text).toContain('-P, --pool <async|solo|processes>');
    expect(text.match(/--help/g)).toHaveLength(1);
  });

  it('lists the dashboard command with its port and broker options', () => {
    const dashboard = createProgram().commands.find((command) => command.name() === 'dashboard');
    const help = dashboard?.helpInformation() ?? '';
    expect(help).toContain('-p, --port <port>');
    expect(help).toContain('-b, --broker <url>');
    expect(help).toContain('--allow-actions');
  });

  it('reads its version from the package manifest', () => {
    expect(createProgram().version()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
