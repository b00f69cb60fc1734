import type { BuildOptions } from 'esbuild';
import type { ServiceDeclaration } from '../serverless-service';

/**
 * One esbuild configuration for what ships and what runs locally: `custom.esbuild` of
 * serverless.yml, which serverless-esbuild uses to package the Lambdas. Local mode (and the
 * benchmark measuring it) bundles with the same options, so a minified bundle with external
 * source maps is what both deploy and run.
 */

/**
 * Keys of `custom.esbuild` that configure serverless-esbuild itself, not esbuild (the plugin's
 * README, "Options"); every other key is passed to esbuild, so an unknown one fails loudly.
 */
const PLUGIN_ONLY_KEYS = new Set([
  'concurrency',
  'zipConcurrency',
  'disposeContext',
  'exclude',
  'installExtraArgs',
  'keepOutputDirectory',
  'nativeZip',
  'nodeExternals',
  'outputBuildFolder',
  'outputWorkFolder',
  'outputFileExtension',
  'packager',
  'packagePath',
  'packagerOptions',
  'plugins',
  'skipBuild',
  'skipRebuild',
  'skipBuildExcludeFns',
  'stripEntryResolveExtensions',
  'watch',
]);

/** The esbuild options serverless.yml declares for packaging, without the plugin's own keys. */
export const declaredEsbuildOptions = (service: ServiceDeclaration): BuildOptions => {
  const declared = (service.raw.custom as { esbuild?: Record<string, unknown> } | undefined)
    ?.esbuild;
  if (!declared) throw new Error('serverless.yml declares no custom.esbuild options');
  return Object.fromEntries(
    Object.entries(declared).filter(([key]) => !PLUGIN_ONLY_KEYS.has(key)),
  ) as BuildOptions;
};

/**
 * The options local mode bundles every function with: the declared ones, plus what running
 * from a cache directory needs (CommonJS files named .cjs whatever package.json says, paths in
 * the metafile relative to the service root).
 */
export const localEsbuildOptions = (service: ServiceDeclaration): BuildOptions => ({
  ...declaredEsbuildOptions(service),
  outExtension: { '.js': '.cjs' },
  absWorkingDir: service.root,
  logLevel: 'silent',
});
