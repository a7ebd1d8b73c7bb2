#!/usr/bin/env node
/**
 * A `celeriac` program with only the beat command, for running a standalone beat until the full `celeriac`
 * command line registers it: `node dist/.../cli/beat-main.js beat --schedule beat.json`.
 */
import 'reflect-metadata';
import { Command } from 'commander';
import { registerBeatCommand } from './beat.command.js';

const program = new Command('celeriac');
registerBeatCommand(program);
await program.parseAsync(process.argv);
