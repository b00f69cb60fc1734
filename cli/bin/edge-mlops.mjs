#!/usr/bin/env node
// edge-mlops command line. Runs on the project's Node 24 (node_modules/node, installed by
// npm install) even when started by an older system node, then loads the TypeScript CLI.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  const local = join(root, 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(local)) {
    console.error(
      `edge-mlops needs Node.js 24 (this is ${process.version}); run npm install first`,
    );
    process.exit(2);
  }
  const run = spawnSync(local, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(run.status ?? 1);
}
// The TypeScript sources are CommonJS (as Lambda bundles them). tsx loads the one module
// that finds or builds the CLI's bundle (cli/bundle.ts); the CLI itself runs from that bundle,
// with V8's code cache kept beside it and stack traces mapped to the sources.
const require = createRequire(import.meta.url);
// tsx keeps a compile cache in the temp directory (tsx-<uid>) unless TSX_DISABLE_CACHE is set
// when it loads; a local run leaves nothing there, and the CLI's own bundle has its cache in
// node_modules/.cache (below), so tsx compiles the few modules of cli/bundle.ts in memory.
const tsxCache = process.env.TSX_DISABLE_CACHE;
process.env.TSX_DISABLE_CACHE = '1';
const unregister = require('tsx/cjs/api').register();
if (tsxCache === undefined) delete process.env.TSX_DISABLE_CACHE;
else process.env.TSX_DISABLE_CACHE = tsxCache;
const bundle = await require(join(root, 'cli', 'bundle.ts')).cliBundle();
// tsx looks at every module loaded while it is registered (~300 ms for the CLI's dependencies).
unregister();
const nodeModule = require('node:module');
nodeModule.enableCompileCache(join(dirname(bundle), '.compile-cache'));
process.setSourceMapsEnabled(true);
require(bundle);
