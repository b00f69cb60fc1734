import { join } from 'node:path';
import { PROJECT_ROOT } from '../../../emulator/project-root';
import { cacheDirOf } from '../../../emulator/runtime/cache-dir';

describe('cacheDirOf', () => {
  const saved = process.env.EDGE_MLOPS_CACHE_DIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.EDGE_MLOPS_CACHE_DIR;
    else process.env.EDGE_MLOPS_CACHE_DIR = saved;
  });

  it('keeps builds under node_modules/.cache/edge-mlops by default', () => {
    delete process.env.EDGE_MLOPS_CACHE_DIR;
    expect(cacheDirOf('bundles')).toBe(
      join(PROJECT_ROOT, 'node_modules/.cache/edge-mlops/bundles'),
    );
    expect(cacheDirOf('cli')).toBe(join(PROJECT_ROOT, 'node_modules/.cache/edge-mlops/cli'));
  });

  it('moves the other caches with EDGE_MLOPS_CACHE_DIR, never the CLI, whose packages resolve from node_modules', () => {
    process.env.EDGE_MLOPS_CACHE_DIR = '/tmp/elsewhere';
    expect(cacheDirOf('bundles')).toBe('/tmp/elsewhere/bundles');
    expect(cacheDirOf('asl')).toBe('/tmp/elsewhere/asl');
    expect(cacheDirOf('cli')).toBe(join(PROJECT_ROOT, 'node_modules/.cache/edge-mlops/cli'));
  });
});
