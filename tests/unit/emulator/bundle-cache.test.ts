import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleFunctions } from '../../../emulator/runtime/functions';
import type { ServiceDeclaration } from '../../../emulator/serverless-service';

/** A service of two functions in a scratch folder, packaged with `esbuild` options like ours. */
const scratchService = (root: string): ServiceDeclaration => {
  mkdirSync(join(root, 'functions/greet'), { recursive: true });
  mkdirSync(join(root, 'functions/shared'), { recursive: true });
  writeFileSync(
    join(root, 'functions/greet/handler.ts'),
    "import { greeting } from '../shared/words';\nexport const handler = async () => greeting('v1');\n",
  );
  writeFileSync(
    join(root, 'functions/shared/words.ts'),
    'export const greeting = (v: string) => "hello " + v;\n',
  );
  writeFileSync(join(root, 'functions/other.ts'), "export const handler = async () => 'other';\n");
  const fn = (key: string, module: string) => ({
    key,
    handler: `${module}.handler`,
    module,
    exportName: 'handler',
    environment: {},
    iamRoleStatements: [],
  });
  return {
    root,
    providerEnvironment: {},
    functions: {
      greet: fn('greet', 'functions/greet/handler'),
      other: fn('other', 'functions/other'),
    },
    raw: {
      custom: {
        esbuild: {
          bundle: true,
          minify: true,
          sourcemap: true,
          keepNames: true,
          target: 'node24',
          platform: 'node',
          format: 'cjs',
          exclude: [],
          packager: 'npm',
        },
      },
    },
  };
};

const run = async (file: string) => {
  delete require.cache[file];
  return (require(file) as { handler: () => Promise<string> }).handler();
};

describe('bundle cache', () => {
  let root: string;
  let cacheDir: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'bundle-cache-src-'));
    cacheDir = mkdtempSync(join(tmpdir(), 'bundle-cache-'));
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('reuses the bundles of an unchanged service instead of building again', async () => {
    const service = scratchService(root);
    const first = await bundleFunctions(service, cacheDir);
    const second = await bundleFunctions(service, cacheDir);
    expect(first.cached).toBe(false);
    expect(second).toEqual({ ...first, cached: true });
    expect(await run(second.files.greet!)).toBe('hello v1');
  });

  it('says when it builds (how many functions), and says nothing when the cache has them', async () => {
    const service = scratchService(root);
    const told: number[] = [];
    await bundleFunctions(service, cacheDir, (n) => told.push(n));
    await bundleFunctions(service, cacheDir, (n) => told.push(n));
    expect(told).toEqual([2]);
  });

  it('builds a new bundle when a handler source changes', async () => {
    const service = scratchService(root);
    const before = await bundleFunctions(service, cacheDir);
    writeFileSync(
      join(root, 'functions/greet/handler.ts'),
      "import { greeting } from '../shared/words';\nexport const handler = async () => greeting('v2');\n",
    );
    const after = await bundleFunctions(service, cacheDir);
    expect(after.cached).toBe(false);
    expect(after.dir).not.toBe(before.dir);
    expect(await run(after.files.greet!)).toBe('hello v2');
    // The old build stays intact for a run that may still be using it.
    expect(await run(before.files.greet!)).toBe('hello v1');
  });

  it('builds a new bundle when a module the handler imports changes', async () => {
    const service = scratchService(root);
    const before = await bundleFunctions(service, cacheDir);
    writeFileSync(
      join(root, 'functions/shared/words.ts'),
      'export const greeting = (v: string) => "bonjour " + v;\n',
    );
    const after = await bundleFunctions(service, cacheDir);
    expect(after.dir).not.toBe(before.dir);
    expect(await run(after.files.greet!)).toBe('bonjour v1');
  });

  it('builds again when the esbuild options in serverless.yml change', async () => {
    const service = scratchService(root);
    const before = await bundleFunctions(service, cacheDir);
    const custom = service.raw.custom as { esbuild: Record<string, unknown> };
    custom.esbuild.minify = false;
    const after = await bundleFunctions(service, cacheDir);
    expect(after.cached).toBe(false);
    expect(after.dir).not.toBe(before.dir);
  });

  it('bundles with the packaging options: minified, external source maps, plugin keys left out', async () => {
    const service = scratchService(root);
    const { dir, files } = await bundleFunctions(service, cacheDir);
    const code = readFileSync(files.greet!, 'utf8');
    expect(code).toMatch(/\/\/# sourceMappingURL=greet\.cjs\.map\s*$/);
    expect(code).not.toContain('sourceMappingURL=data:');
    expect(code.split('\n').length).toBeLessThan(10);
    const map = JSON.parse(readFileSync(join(dir, 'greet.cjs.map'), 'utf8'));
    // Relative to the published directory: right although the build ran in a temp one.
    const source = map.sources.find((s: string) => s.endsWith('handler.ts'));
    expect(readFileSync(join(dir, source), 'utf8')).toContain("greeting('v1')");
  });

  it('lets concurrent runs share the cache without a half-written build', async () => {
    const service = scratchService(root);
    const builds = await Promise.all([1, 2, 3, 4].map(() => bundleFunctions(service, cacheDir)));
    expect(new Set(builds.map((b) => b.dir)).size).toBe(1);
    for (const b of builds) expect(await run(b.files.other!)).toBe('other');
    // One published build, its recipe's input list, and no temp build left behind.
    expect(readdirSync(cacheDir).filter((f) => f.startsWith('.build-'))).toEqual([]);
    expect(readdirSync(cacheDir).filter((f) => !f.endsWith('.inputs.json'))).toHaveLength(1);
  });

  it('refuses a serverless.yml without esbuild options', async () => {
    const service = scratchService(root);
    service.raw = {};
    await expect(bundleFunctions(service, cacheDir)).rejects.toThrow(
      'serverless.yml declares no custom.esbuild options',
    );
  });
});
