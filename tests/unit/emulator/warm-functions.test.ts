import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { VirtualClock } from '../../../emulator/clock';
import { bundleFunctions, FunctionRuntime } from '../../../emulator/runtime/functions';
import type { ServiceDeclaration } from '../../../emulator/serverless-service';

/**
 * Three functions in a scratch folder; `slow` answers after `event.ms` real milliseconds. `a`
 * and `b` note each load of their module (Lambda's Init) in `<root>/loads`.
 */
const scratchService = (root: string): ServiceDeclaration => {
  mkdirSync(join(root, 'functions'), { recursive: true });
  for (const key of ['a', 'b'])
    writeFileSync(
      join(root, `functions/${key}.ts`),
      `require('node:fs').appendFileSync(${JSON.stringify(join(root, 'loads'))}, '${key}\\n');\nexport const handler = async () => '${key}';\n`,
    );
  writeFileSync(
    join(root, 'functions/slow.ts'),
    'export const handler = async (e: { ms: number }) => { await new Promise((r) => setTimeout(r, e.ms)); return "slow"; };\n',
  );
  const fn = (key: string) => ({
    key,
    handler: `functions/${key}.handler`,
    module: `functions/${key}`,
    exportName: 'handler',
    environment: {},
    iamRoleStatements: [],
  });
  return {
    root,
    providerEnvironment: {},
    functions: { a: fn('a'), b: fn('b'), slow: fn('slow') },
    raw: {
      custom: { esbuild: { bundle: true, platform: 'node', format: 'cjs', target: 'node24' } },
    },
  };
};

describe('warm function workers', () => {
  let root: string;
  let runtime: FunctionRuntime;
  const start = async (warmFunctions?: number, prefetching = false) => {
    const service = scratchService(root);
    const { files } = await bundleFunctions(service, join(root, 'cache'));
    runtime = new FunctionRuntime(
      service,
      files,
      {},
      new VirtualClock(1),
      {},
      new PassThrough().resume(),
      () => ({}),
      warmFunctions,
      undefined,
      prefetching,
    );
  };
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'warm-functions-'));
  });
  afterEach(async () => {
    await runtime?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const coldStarts = () => runtime.invocations.map((i) => `${i.key}:${i.coldStart}`);
  const loads = () =>
    existsSync(join(root, 'loads'))
      ? readFileSync(join(root, 'loads'), 'utf8').split('\n').filter(Boolean)
      : [];
  const until = async (condition: () => boolean) => {
    for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 25));
  };

  it('shuts down the least recently used idle worker beyond the limit: its next call is cold', async () => {
    await start(1);
    expect(await runtime.invoke('a', {})).toBe('a');
    expect(await runtime.invoke('b', {})).toBe('b');
    expect(await runtime.invoke('a', {})).toBe('a');
    expect(coldStarts()).toEqual(['a:true', 'b:true', 'a:true']);
  });

  it('keeps every function warm without a limit', async () => {
    await start();
    for (const key of ['a', 'b', 'a', 'b']) await runtime.invoke(key, {});
    expect(coldStarts()).toEqual(['a:true', 'b:true', 'a:false', 'b:false']);
  });

  it('never shuts down a worker in the middle of an invocation', async () => {
    await start(1);
    const slow = runtime.invoke('slow', { ms: 300 });
    // Started while `slow` runs: over the limit for a moment rather than cutting it short.
    expect(await runtime.invoke('a', {})).toBe('a');
    expect(await slow).toBe('slow');
  });

  it('prefetch loads a function before its first invocation, which then finds it loaded', async () => {
    await start(2, true);
    runtime.prefetch(['a']);
    await until(() => loads().includes('a'));
    expect(loads()).toEqual(['a']);
    expect(await runtime.invoke('a', {})).toBe('a');
    // Still the first invocation of that environment, and its module was not loaded again.
    expect(coldStarts()).toEqual(['a:true']);
    expect(loads()).toEqual(['a']);
  });

  it('keeps the functions the state machine names next warm over older idle ones', async () => {
    // Prepare: `a` and then `b` warm, at a limit of two.
    await start(2);
    await runtime.invoke('a', {});
    await runtime.invoke('b', {});
    // Act: `a` comes next, then a third function needs room.
    runtime.prefetch(['a']);
    await runtime.invoke('slow', { ms: 0 });
    await runtime.invoke('a', {});
    // Assess: `b`, not `a`, made room; without the hint `a` (least recently used) would have.
    expect(coldStarts()).toEqual(['a:true', 'b:true', 'slow:true', 'a:false']);
    expect(loads()).toEqual(['a', 'b']);
  });

  it('prefetch loads nothing unless the runtime prefetches', async () => {
    await start(2);
    runtime.prefetch(['a']);
    await new Promise((r) => setTimeout(r, 500));
    expect(loads()).toEqual([]);
  });

  it('prefetch never shuts down a worker in use to make room', async () => {
    await start(1, true);
    const slow = runtime.invoke('slow', { ms: 800 });
    runtime.prefetch(['a']);
    await new Promise((r) => setTimeout(r, 400));
    expect(loads()).toEqual([]);
    expect(await slow).toBe('slow');
  });
});
