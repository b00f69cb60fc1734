import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const SERVERLESS = join(ROOT, 'node_modules/.bin/serverless');

/** An environment with no AWS credentials or settings at all: packaging must work offline. */
const offlineEnv = () => {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_')) env[k] = v;
  return {
    ...env,
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    HOME: mkdtempSync(join(tmpdir(), 'home-')),
  };
};

export type PackageResult = {
  status: number | null;
  output: string;
  dir: string;
  /** The packaging's temp directory (TMPDIR): what it left there. */
  tmp: string;
  template?: Record<string, any>;
};

/**
 * The service as a folder of its own: serverless.yml copied, everything else linked except
 * `without`. Packaging writes its work folders (serverless-esbuild's .esbuild, .build) beside
 * serverless.yml, so two test files packaging at once (jest runs two at a time) must not share one.
 */
const privateService = (without: string[] = []): string => {
  const dir = mkdtempSync(join(tmpdir(), 'edge-mlops-service-'));
  copyFileSync(join(ROOT, 'serverless.yml'), join(dir, 'serverless.yml'));
  for (const entry of readdirSync(ROOT))
    if (!entry.startsWith('.') && entry !== 'serverless.yml' && !without.includes(entry))
      symlinkSync(join(ROOT, entry), join(dir, entry));
  return dir;
};

/** Runs `serverless package` for `stage` into a fresh folder and returns the template. */
export const packageService = (stage: string, cwd = privateService()): PackageResult => {
  const dir = mkdtempSync(join(tmpdir(), 'edge-mlops-package-'));
  const tmp = mkdtempSync(join(tmpdir(), 'edge-mlops-tmp-'));
  const run = spawnSync(SERVERLESS, ['package', '--stage', stage, '--package', dir], {
    cwd,
    env: { ...offlineEnv(), TMPDIR: tmp },
    encoding: 'utf8',
    timeout: 300_000,
  });
  const output = `${run.stdout}${run.stderr}`;
  if (run.status !== 0) return { status: run.status, output, dir, tmp };
  const template = JSON.parse(
    readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'),
  );
  return { status: run.status, output, dir, tmp, template };
};

/** A copy of the service whose config/ folder holds only `files`; the rest is linked. */
export const serviceWithConfig = (files: Record<string, string>): string => {
  const dir = privateService(['config']);
  mkdirSync(join(dir, 'config'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, 'config', name), text);
  return dir;
};
