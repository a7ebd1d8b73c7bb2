import type { Command } from 'commander';
import { registerControlCommand } from './control.command.js';
import { registerDlqCommand } from './dlq.command.js';
import { registerEventsCommand } from './events.command.js';
import { registerInspectCommand } from './inspect.command.js';
import { registerPurgeCommand } from './purge.command.js';
import { registerResultCommand } from './result.command.js';
import { registerStatusCommand } from './status.command.js';

/**
 * Every operations command of the `celeriac` bin (`inspect`, `control`, `status`, `events`, `purge`,
 * `dlq`, `result`), for `cli/main.ts` to add beside `worker`.
 */
export function registerOperationsCommands(program: Command): void {
  registerInspectCommand(program);
  registerControlCommand(program);
  registerStatusCommand(program);
  registerEventsCommand(program);
  registerPurgeCommand(program);
  registerDlqCommand(program);
  registerResultCommand(program);
}
