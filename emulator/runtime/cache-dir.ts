import { join, resolve } from 'node:path';
import { PROJECT_ROOT } from '../project-root';

/**
 * Where local mode caches its builds (function bundles, the CLI's own bundle):
 * node_modules/.cache/edge-mlops (the usual home of build caches, removed with node_modules,
 * never committed), or EDGE_MLOPS_CACHE_DIR.
 */
export const cacheDirOf = (kind: 'bundles' | 'cli'): string =>
  process.env.EDGE_MLOPS_CACHE_DIR
    ? join(resolve(process.env.EDGE_MLOPS_CACHE_DIR), kind)
    : join(PROJECT_ROOT, 'node_modules/.cache/edge-mlops', kind);
