import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The project's root: the nearest directory at or above `from` that holds serverless.yml.
 * The CLI and the emulator run from their sources (jest, tsx) and from the CLI's bundle
 * cached under node_modules/.cache (cli/bundle.ts), so a path relative to `__dirname`
 * would name a different directory in each.
 */
export const findProjectRoot = (from: string): string => {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'serverless.yml'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no serverless.yml at or above ${from}`);
  }
};

export const PROJECT_ROOT = findProjectRoot(__dirname);
