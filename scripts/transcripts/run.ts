import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs commands of the docs for real and prints them as a reader would see them in a terminal. */
export const ROOT = join(__dirname, '../..');
const CLI = join(ROOT, 'cli/bin/edge-mlops.mjs');
/** The emulator's address in the docs: `edge-mlops emulator`'s default port. */
export const DOCS_ENDPOINT = 'http://127.0.0.1:4566';

/** stdout and stderr of a command as one stream, in the order a terminal shows them. */
const merged = (command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> =>
  new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', 'exec "$@" 2>&1', 'sh', command, ...args], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', () => resolve(out));
  });

/**
 * A terminal pointed at one emulator (`url`, shown as DOCS_ENDPOINT) or at none: `show` runs
 * `edge-mlops …` and returns the prompt line and the output, `hidden` runs a setup step.
 */
export const terminal = (url?: string, extraEnv: Record<string, string> = {}) => {
  // The environment `edge-mlops emulator` prints for the SRE commands.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    ...(url ? { AWS_ENDPOINT_URL: url } : {}),
    ...extraEnv,
    NO_COLOR: '1',
  };
  const presentable = (text: string) => {
    let out = text;
    if (url) out = out.replaceAll(url, DOCS_ENDPOINT);
    out = out.replaceAll(ROOT, '…/edge-mlops').replaceAll(tmpdir(), '/tmp');
    return out.replace(/\n+$/, '');
  };
  const edgeMlops = (args: string[]) => merged(process.execPath, [CLI, ...args], env);
  return {
    hidden: edgeMlops,
    show: async (args: string[], prompt = 'edge-mlops') =>
      presentable(`$ ${prompt} ${args.join(' ')}\n${await edgeMlops(args)}`),
    /** A command other than edge-mlops (e.g. `npm start`), as typed. */
    showCommand: async (command: string, args: string[]) =>
      presentable(`$ ${[command, ...args].join(' ')}\n${await merged(command, args, env)}`),
  };
};

/** Blocks of one transcript, separated as a terminal session would be. */
export const session = (...outputs: string[]) => outputs.join('\n\n');
