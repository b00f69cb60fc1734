import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../emulator/project-root';

/** How many run logs .edge-mlops/logs/ keeps (the newest). */
const KEPT_RUN_LOGS = 10;

/** A new file for the function logs of one run, in .edge-mlops/logs/ of the project. */
export const newRunLog = () => {
  const dir = join(PROJECT_ROOT, '.edge-mlops', 'logs');
  mkdirSync(dir, { recursive: true });
  const old = readdirSync(dir)
    .filter((f) => /^simulate-.*\.log$/.test(f))
    .sort()
    .reverse();
  for (const f of old.slice(KEPT_RUN_LOGS - 1)) rmSync(join(dir, f), { force: true });
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  return join(dir, `simulate-${stamp}-${process.pid}-${randomBytes(2).toString('hex')}.log`);
};
