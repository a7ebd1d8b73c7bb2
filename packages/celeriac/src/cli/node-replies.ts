import type { NodeReply } from '../control/control-caller.js';
import { CliError } from './cli-errors.js';
import type { Output } from './cli-output.js';

/**
 * Prints the replies of one command as `celery inspect` does (`-> node: OK` then the answer, indented),
 * or as one JSON object by node name with `--json`.
 */
export function printReplies(
  out: Output,
  replies: readonly NodeReply[],
  timeoutMs: number,
  render: (answer: unknown) => string[] = renderAnswer,
): void {
  if (replies.length === 0) {
    throw new CliError(
      `no worker replied within ${timeoutMs / 1000} s; are workers running on this broker and vhost? ` +
        '(a longer --timeout helps on a busy broker)',
    );
  }
  if (out.json) {
    out.data(Object.fromEntries(replies.map(({ node, answer }) => [node, answer])));
    return;
  }
  for (const { node, answer } of replies) {
    const error = errorOf(answer);
    out.line(`-> ${node}: ${error === null ? out.ok('OK') : out.bad('ERROR')}`);
    for (const line of error === null ? render(answer) : [error]) out.line(`    ${line}`);
  }
  out.line();
  out.line(`${replies.length} ${replies.length === 1 ? 'node' : 'nodes'} online.`);
}

function errorOf(answer: unknown): string | null {
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) return null;
  const error = (answer as Record<string, unknown>)['error'];
  return typeof error === 'string' ? error : null;
}

/** `{ok: text}` as the text, a list as `* item` lines, anything else as indented JSON. */
export function renderAnswer(answer: unknown): string[] {
  if (typeof answer === 'object' && answer !== null && !Array.isArray(answer)) {
    const ok = (answer as Record<string, unknown>)['ok'];
    if (typeof ok === 'string' && Object.keys(answer).length === 1) return ok.trim().split('\n');
  }
  if (Array.isArray(answer)) {
    if (answer.length === 0) return ['- empty -'];
    return answer.map((item) => `* ${typeof item === 'string' ? item : JSON.stringify(item)}`);
  }
  return JSON.stringify(answer, null, 2).split('\n');
}
