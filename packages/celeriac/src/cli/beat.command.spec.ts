import type { Command } from 'commander';
import { beatBrokerUrls } from './beat.command.js';
import { createProgram } from './program.js';

function beatCommand(): Command {
  const beat = createProgram().commands.find((command) => command.name() === 'beat');
  if (!beat) throw new Error('no beat command');
  return beat;
}

describe('celeriac beat --broker', () => {
  it('collects every --broker in order, so a replica can fail over between the nodes of a cluster', () => {
    const beat = beatCommand();
    beat.parseOptions(['--schedule', 's.json', '--broker', 'amqp://a', '-b', 'amqp://b']);
    expect(beat.opts()['broker']).toEqual(['amqp://a', 'amqp://b']);
    expect(beatBrokerUrls(['amqp://a', 'amqp://b'], 'amqp://env')).toEqual([
      'amqp://a',
      'amqp://b',
    ]);
  });

  it('falls back to $RABBITMQ_URL, then to the default', () => {
    expect(beatBrokerUrls(undefined, 'amqp://env')).toEqual(['amqp://env']);
    expect(beatBrokerUrls([], '')).toEqual([]);
    expect(beatBrokerUrls(undefined, undefined)).toEqual([]);
  });
});
