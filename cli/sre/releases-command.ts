import type { Command } from 'commander';

export const registerReleaseCommands = (_program: Command, _exit: (code: number) => never) => {};
