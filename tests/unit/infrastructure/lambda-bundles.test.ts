import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { declaredEsbuildOptions } from '../../../emulator/runtime/esbuild-options';
import { readService } from '../../../emulator/serverless-service';
import { inputsLoadedAtInit } from '../../../scripts/bench/loaded-at-init';

/**
 * What each Lambda ships (issue 16, P1 cold start): the stage configuration arrives resolved
 * as JSON, so neither the YAML parser nor the config schema is bundled, and inputs are
 * checked with zod/mini and its English messages only, not full zod with every locale.
 */
const ROOT = join(__dirname, '../../..');
const service = readService(ROOT);

const bundle = async (module: string) => {
  // Bundled as serverless.yml ships it (emulator/runtime/esbuild-options.ts).
  const result = await build({
    ...declaredEsbuildOptions(service),
    entryPoints: [join(ROOT, `${module}.ts`)],
    outdir: join(ROOT, '.lambda-bundles-test'),
    metafile: true,
    write: false,
    logLevel: 'silent',
  });
  const [, output] = Object.entries(result.metafile.outputs).find(
    ([file]) => !file.endsWith('.map'),
  )!;
  return { metafile: result.metafile, output };
};

const bundledInputs = async (module: string) =>
  Object.entries((await bundle(module)).output.inputs)
    .filter(([, input]) => input.bytesInOutput > 0)
    .map(([path]) => path);

const loadedAtInit = async (module: string) => {
  const { metafile, output } = await bundle(module);
  return inputsLoadedAtInit(metafile, output.entryPoint!);
};

describe('Lambda bundles', () => {
  it.each(Object.values(service.functions).map((fn) => [fn.key, fn.module]))(
    '%s bundles no YAML parser, no stage-config schema and no full zod',
    async (_key, module) => {
      // Act
      const inputs = await bundledInputs(module);
      // Assess
      expect(inputs.filter((p) => p.includes('node_modules/yaml/'))).toEqual([]);
      expect(inputs.filter((p) => /stage-config\/(schema|load)\.ts$/.test(p))).toEqual([]);
      expect(inputs.filter((p) => p.includes('node_modules/zod/v4/classic/'))).toEqual([]);
      expect(inputs.filter((p) => /node_modules\/zod\/v4\/locales\/(?!en\.js$)/.test(p))).toEqual(
        [],
      );
    },
  );
});

describe('checkDeployment bundle', () => {
  const module = service.functions.checkDeployment!.module;

  it('builds no plan schema: the deployment it watches has a schema of its own', async () => {
    // Act
    const inputs = await bundledInputs(module);
    // Assess
    expect(
      inputs.filter((p) => /functions\/shared\/(plan|task-input|release-input)\.ts$/.test(p)),
    ).toEqual([]);
  });

  it('ships the CloudWatch client of the metric analysis but loads it on first use, not at Init', async () => {
    // Act
    const atInit = await loadedAtInit(module);
    const inputs = await bundledInputs(module);
    // Assess
    expect(inputs.some((p) => p.includes('node_modules/@aws-sdk/client-cloudwatch/'))).toBe(true);
    expect(atInit.filter((p) => p.includes('node_modules/@aws-sdk/client-cloudwatch/'))).toEqual(
      [],
    );
    expect(atInit).toContain('node_modules/@aws-sdk/client-greengrassv2/dist-cjs/index.js');
  });
});

describe('rollBackFleet bundle', () => {
  it('takes the wave deployment name without Start Wave and its fleet input schema', async () => {
    // Act
    const inputs = await bundledInputs(service.functions.rollBackFleet!.module);
    // Assess
    expect(
      inputs.filter((p) => /functions\/(start-wave\/start-wave|shared\/fleet-input)\.ts$/.test(p)),
    ).toEqual([]);
    expect(inputs).toContain('functions/start-wave/wave-deployment-name.ts');
  });
});

describe('dependencies', () => {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version: string }>;
  };
  const versionsOf = (name: string) =>
    new Set(
      Object.entries(lock.packages)
        .filter(([path]) => path.endsWith(`node_modules/${name}`))
        .map(([, p]) => p.version),
    );

  it('installs one copy of every Powertools, AWS SDK and Smithy package, so none is bundled twice', () => {
    // Prepare
    const names = new Set(
      Object.keys(lock.packages)
        .map((path) => path.split('node_modules/').pop()!)
        .filter((name) => /^@(aws-lambda-powertools|aws-sdk|smithy|aws)\//.test(name)),
    );
    // Act
    const duplicated = [...names]
      .map((name) => [name, [...versionsOf(name)]] as const)
      .filter(([, versions]) => versions.length > 1);
    // Assess
    expect(duplicated).toEqual([]);
  });

  it('pins every Powertools package to one version', () => {
    // Prepare
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    // Act
    const versions = new Set(
      Object.entries(manifest.dependencies)
        .filter(([name]) => name.startsWith('@aws-lambda-powertools/'))
        .map(([, version]) => version),
    );
    // Assess
    expect(versions.size).toBe(1);
  });
});
