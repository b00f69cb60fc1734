import { join, resolve } from 'node:path';
import { PROJECT_ROOT } from '../project-root';

/**
 * Where local mode caches a kind of build (for `asl`, the definitions found valid):
 * node_modules/.cache/edge-mlops (the usual home of build caches, removed with node_modules,
 * never committed), or EDGE_MLOPS_CACHE_DIR. The CLI's bundle always stays under
 * node_modules: its dependencies are resolved from where it lies.
 */
export const cacheDirOf = (kind: 'bundles' | 'cli' | 'asl'): string =>
  process.env.EDGE_MLOPS_CACHE_DIR && kind !== 'cli'
    ? join(resolve(process.env.EDGE_MLOPS_CACHE_DIR), kind)
    : join(PROJECT_ROOT, 'node_modules/.cache/edge-mlops', kind);
