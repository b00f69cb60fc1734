import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { type BuildOptions, build, version as esbuildVersion } from 'esbuild';

/**
 * esbuild output cached by content: a build is reused only when the esbuild version, the
 * options, the entry points, the files named in `dependsOn` (lockfile, tsconfig) and the
 * contents of every file the previous build read are unchanged. Each cached build is a
 * directory named by that hash, published with one atomic rename, so concurrent runs (jest
 * workers, two `npm start`s) either find a complete build or make their own; none ever sees
 * a half-written one.
 *
 * Layout of the cache directory:
 *   <recipe>.inputs.json  the files the last build of a recipe read (esbuild's metafile)
 *   <content-hash>/       one complete build: its outputs (.cjs + .map) and inputs.json
 *   .build-XXXXXX/        a build in progress (same depth, so relative source map paths hold)
 */
export type CachedBuild = {
  /** The directory holding the outputs. */
  dir: string;
  /** True when the outputs came from the cache, false when esbuild ran. */
  cached: boolean;
};

export type CachedBuildRequest = {
  cacheDir: string;
  /** Output name (without extension) → absolute entry point. */
  entryPoints: Record<string, string>;
  /** esbuild options, including absWorkingDir; outdir and metafile are set here. */
  options: BuildOptions;
  /** Files that shape the output without being bundled (package-lock.json, tsconfig.json). */
  dependsOn?: string[];
  /** Told when nothing cached fits and esbuild runs (seconds of silence otherwise). */
  onBuild?: () => void;
};

/** What shapes a bundle of the project without being bundled: its lockfile and tsconfig. */
export const projectBuildFiles = (root: string) =>
  ['package-lock.json', 'tsconfig.json'].map((f) => join(root, f));

/** Builds kept besides the newest; older ones are removed once unused for an hour. */
const KEEP = 3;
const UNUSED_MS = 60 * 60 * 1000;

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

const contentOf = (file: string): string => {
  try {
    return sha256(readFileSync(file));
  } catch {
    return 'missing';
  }
};

/** The hash of a recipe and the contents of the files it read. */
const contentKey = (recipe: string, files: string[]) => {
  const hash = createHash('sha256').update(recipe);
  for (const file of [...files].sort()) hash.update(`\0${file}\0${contentOf(file)}`);
  return hash.digest('hex').slice(0, 32);
};

/** Absolute paths of the files a build read; esbuild's metafile names them relative to absWorkingDir. */
const inputsOf = (metafile: { inputs: Record<string, unknown> }, workingDir: string) =>
  Object.keys(metafile.inputs)
    // Virtual modules (e.g. "(disabled):fs") have no file to hash.
    .filter((p) => !/^\(?[a-z-]+\)?:/.test(p))
    .map((p) => (isAbsolute(p) ? p : resolve(workingDir, p)));

/** Writes a file whole or not at all: another process reading it sees the old or the new text. */
const writeAtomically = (file: string, text: string) => {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
};

const readInputs = (file: string): string[] | undefined => {
  try {
    const inputs = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return Array.isArray(inputs) ? (inputs as string[]) : undefined;
  } catch {
    return undefined;
  }
};

/** Removes builds beyond the newest KEEP that nobody used for an hour, and abandoned temp builds. */
const prune = (cacheDir: string) => {
  const now = Date.now();
  const entries = readdirSync(cacheDir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => {
      const path = join(cacheDir, e.name);
      try {
        return { name: e.name, path, mtime: statSync(path).mtimeMs };
      } catch {
        return undefined;
      }
    })
    .filter((e) => e !== undefined)
    .sort((a, b) => b.mtime - a.mtime);
  let kept = 0;
  for (const e of entries) {
    const temporary = e.name.startsWith('.build-');
    if (!temporary && kept++ < KEEP) continue;
    if (now - e.mtime > UNUSED_MS) rmSync(e.path, { recursive: true, force: true });
  }
};

export const cachedBuild = async (request: CachedBuildRequest): Promise<CachedBuild> => {
  const { cacheDir, entryPoints, options } = request;
  const workingDir = options.absWorkingDir ?? process.cwd();
  mkdirSync(cacheDir, { recursive: true });
  const recipe = JSON.stringify({
    esbuild: esbuildVersion,
    options,
    entryPoints,
    dependsOn: (request.dependsOn ?? []).map((f) => [f, contentOf(f)]),
  });
  const recipeKey = sha256(recipe).slice(0, 32);
  const inputsFile = join(cacheDir, `${recipeKey}.inputs.json`);

  const previous = readInputs(inputsFile);
  if (previous) {
    const dir = join(cacheDir, contentKey(recipe, previous));
    if (existsSync(dir)) {
      // Marks it used, so pruning keeps it.
      const now = new Date();
      utimesSync(dir, now, now);
      return { dir, cached: true };
    }
  }

  // The temp build sits beside the final directory: the relative paths in the source maps
  // stay right after the rename.
  request.onBuild?.();
  const tmp = mkdtempSync(join(cacheDir, '.build-'));
  try {
    let inputs: string[] = [];
    // A file saved while esbuild ran may not be in the output: build again rather than
    // cache the output under the new content's hash.
    for (let attempt = 1; ; attempt++) {
      const started = Date.now();
      const result = await build({ ...options, entryPoints, outdir: tmp, metafile: true });
      inputs = inputsOf(result.metafile, workingDir);
      const changed = inputs.some((f) => {
        try {
          return statSync(f).mtimeMs >= started;
        } catch {
          return false;
        }
      });
      if (!changed || attempt === 3) break;
    }
    writeFileSync(join(tmp, 'inputs.json'), JSON.stringify(inputs, null, 1));
    const dir = join(cacheDir, contentKey(recipe, inputs));
    try {
      renameSync(tmp, dir);
    } catch (error) {
      // Another run published the same build first: theirs is identical.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'EPERM') throw error;
      rmSync(tmp, { recursive: true, force: true });
    }
    writeAtomically(inputsFile, JSON.stringify(inputs));
    prune(cacheDir);
    return { dir, cached: false };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
};
