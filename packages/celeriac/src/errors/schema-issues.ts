import type { StandardSchemaV1 } from '@standard-schema/spec';

/** What a Standard Schema reported, as the errors that carry it keep it. */
export type SchemaIssue = StandardSchemaV1.Issue;

/**
 * Issues as one readable line, each with its path: `[0]: Expected number, received string; [1].id: Required`.
 * The same text goes into a client's error, a worker's FAILURE result and a dead letter's detail, so a
 * Python caller reads what a Nest caller reads.
 */
export function describeIssues(issues: readonly SchemaIssue[]): string {
  if (issues.length === 0) return 'the schema rejected the value';
  return issues.map((issue) => `${pathOf(issue)}${issue.message}`).join('; ');
}

function pathOf(issue: SchemaIssue): string {
  if (!issue.path || issue.path.length === 0) return '';
  let path = '';
  for (const segment of issue.path) {
    const key = typeof segment === 'object' ? segment.key : segment;
    path += typeof key === 'number' ? `[${key}]` : `${path === '' ? '' : '.'}${String(key)}`;
  }
  return `${path}: `;
}
