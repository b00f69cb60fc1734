import type { Command } from 'commander';
import { registerApprovalCommands } from './approvals-commands';
import { registerDlqCommands } from './dlq-commands';
import { registerExecutionCommands } from './executions-commands';
import { registerFleetCommands } from './fleets-command';
import { registerReleaseCommands } from './releases-command';

/** The commands for the people on call: what runs where, what waits, what failed. */
export const registerSreCommands = (program: Command, exit: (code: number) => never) => {
  registerExecutionCommands(program, exit);
  registerDlqCommands(program, exit);
  registerFleetCommands(program, exit);
  registerReleaseCommands(program, exit);
  registerApprovalCommands(program, exit);
};

export { CliError } from './cli-error';
