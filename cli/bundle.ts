import { join } from 'node:path';
import { PROJECT_ROOT } from '../emulator/project-root';
import { cachedBuild, projectBuildFiles } from '../emulator/runtime/bundle-cache';
import { cacheDirOf } from '../emulator/runtime/cache-dir';

/**
 * The CLI as one CommonJS file, built by esbuild and cached by content like the functions'
 * bundles (emulator/runtime/bundle-cache.ts). Loading it skips compiling ~200 TypeScript
 * files through tsx and resolving each of them: about half of the time `edge-mlops` takes to
 * start (docs/benchmarks.md, P4). Dependencies stay in node_modules (they are loaded as
 * they are installed), so only our own sources are in the bundle.
 */
export const cliBundle = async (): Promise<string> => {
  const { dir } = await cachedBuild({
    cacheDir: cacheDirOf('cli'),
    entryPoints: { main: join(PROJECT_ROOT, 'cli/main.ts') },
    options: {
      bundle: true,
      packages: 'external',
      platform: 'node',
      format: 'cjs',
      target: 'node24',
      sourcemap: true,
      outExtension: { '.js': '.cjs' },
      absWorkingDir: PROJECT_ROOT,
      logLevel: 'silent',
    },
    dependsOn: projectBuildFiles(PROJECT_ROOT),
  });
  return join(dir, 'main.cjs');
};
