import { describeIssues } from './schema-issues.js';

describe('describeIssues', () => {
  it('puts each issue on one line with its path', () => {
    expect(
      describeIssues([
        { message: 'Expected number', path: [1] },
        { message: 'Required', path: [0, 'user', { key: 'id' }] },
        { message: 'Too short' },
      ]),
    ).toBe('[1]: Expected number; [0].user.id: Required; Too short');
  });

  it('says something even when the schema gave no issue', () => {
    expect(describeIssues([])).toBe('the schema rejected the value');
  });
});
