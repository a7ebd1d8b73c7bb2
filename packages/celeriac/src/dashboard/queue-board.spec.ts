import { QueueBoard } from './queue-board.js';

describe('QueueBoard', () => {
  it('shows each queue with the trend of its backlog between two reads', () => {
    const board = new QueueBoard();
    board.record([{ name: 'celery', depth: 10, consumers: 2, deadDepth: 0 }], 1_000);
    expect(board.view()[0]).toMatchObject({ depthRate: null, deadRate: null });
    board.record([{ name: 'celery', depth: 4, consumers: 2, deadDepth: 1 }], 3_000);
    expect(board.view()).toEqual([
      {
        name: 'celery',
        depth: 4,
        consumers: 2,
        deadDepth: 1,
        depthRate: -3,
        deadRate: 0.5,
        readAt: 3_000,
      },
    ]);
  });

  it('drops queues no longer read, sorts by name, and has no rate for a missing queue', () => {
    const board = new QueueBoard();
    board.record(
      [
        { name: 'b', depth: 1, consumers: 0, deadDepth: null },
        { name: 'a', depth: null, consumers: null, deadDepth: null },
      ],
      0,
    );
    board.record(
      [
        { name: 'b', depth: 2, consumers: 0, deadDepth: null },
        { name: 'a', depth: null, consumers: null, deadDepth: null },
      ],
      1_000,
    );
    expect(board.view().map((q) => [q.name, q.depthRate])).toEqual([
      ['a', null],
      ['b', 1],
    ]);
    board.record([{ name: 'a', depth: 3, consumers: 1, deadDepth: null }], 2_000);
    expect(board.view().map((q) => q.name)).toEqual(['a']);
  });
});
