import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { zipSync } from 'fflate';
import { INFERENCE_ARCHIVE, INFERENCE_UNPACKED } from '../greengrass/inference-artifact';

/**
 * Builds the inference component's archive from a folder of this repository
 * (`components.inference.source`), at package time only: Lambdas read the archive's SHA-256
 * from the resolved configuration and never see the folder.
 *
 * The archive is deterministic: the same files give the same bytes, whatever their mtimes,
 * the order the file system lists them in, the umask or the time zone. Entries are sorted,
 * carry one fixed timestamp and no owner or mode, and are compressed by a pinned fflate.
 * What a device does not need is left out: tests, caches, byte code and hidden files.
 */
export class InferenceSourceError extends Error {}

const SKIPPED_DIRS = new Set(['tests', 'test', '__pycache__', 'node_modules']);
const SKIPPED_FILE = /(\.py[co]|~)$/;

/** 1980-01-01 00:00 in local time, the earliest ZIP (DOS) timestamp: the same fields in every zone. */
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);

export type BuiltArchive = {
  /** The archive's bytes. */
  zip: Uint8Array;
  /** SHA-256 of `zip`, hex. */
  sha256: string;
  /** Paths inside the archive, `/`-separated, sorted. */
  files: string[];
};

const listFiles = (root: string, dir = root): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name.startsWith('.')) return [];
    const path = join(dir, entry.name);
    if (entry.isSymbolicLink())
      throw new InferenceSourceError(
        `${relative(root, path)} is a symbolic link; the archive holds regular files only`,
      );
    if (entry.isDirectory()) return SKIPPED_DIRS.has(entry.name) ? [] : listFiles(root, path);
    if (!entry.isFile() || SKIPPED_FILE.test(entry.name)) return [];
    return [relative(root, path).split(/[\\/]/).join('/')];
  });

const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The deterministic archive of `folder` (an absolute path). */
export const buildInferenceArchive = (folder: string): BuiltArchive => {
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(folder);
  } catch {
    throw new InferenceSourceError(`folder ${folder} does not exist`);
  }
  if (!stat.isDirectory()) throw new InferenceSourceError(`${folder} is not a folder`);
  const files = listFiles(folder).sort(byCodePoint);
  if (files.length === 0)
    throw new InferenceSourceError(
      `folder ${folder} holds no file to ship (tests, caches and hidden files are left out)`,
    );
  const entries: Record<string, [Uint8Array, { mtime: Date; level: 9 }]> = {};
  for (const file of files)
    entries[file] = [readFileSync(join(folder, file)), { mtime: FIXED_MTIME, level: 9 }];
  const zip = zipSync(entries);
  return { zip, sha256: createHash('sha256').update(zip).digest('hex'), files };
};

/**
 * The files of the archive that `run` starts: every `{artifacts:decompressedPath}/inference/<file>`
 * it names. A run script that names none would start nothing of the folder.
 */
export const entryPointsOf = (run: string): string[] =>
  [...run.matchAll(/\{artifacts:decompressedPath\}\/inference\/([^\s"'`;&|)]+)/g)].map(
    (m) => m[1]!,
  );

/** Checks that `run` starts a file the archive holds; throws `InferenceSourceError` otherwise. */
export const checkEntryPoint = (run: string, archive: BuiltArchive, source: string) => {
  const named = entryPointsOf(run);
  if (named.length === 0)
    throw new InferenceSourceError(
      `run must start a file of ${source}: Greengrass unpacks ${INFERENCE_ARCHIVE} to ${INFERENCE_UNPACKED}, so name it as ${INFERENCE_UNPACKED}<file> (e.g. python3 -u ${INFERENCE_UNPACKED}serve.py --model-dir {modelDir})`,
    );
  const missing = named.filter((file) => !archive.files.includes(file));
  if (missing.length)
    throw new InferenceSourceError(
      `run starts ${missing.map((f) => `${INFERENCE_UNPACKED}${f}`).join(', ')}, which ${source} does not hold (its archive holds ${archive.files.slice(0, 8).join(', ')}${archive.files.length > 8 ? ', …' : ''})`,
    );
};

/**
 * The project root a stage file's `source` folders are relative to: the nearest folder above the
 * stage file that holds serverless.yml (for config/<stage>.yml, the project), else the working
 * directory (a stage file kept elsewhere, e.g. a test's temporary copy).
 */
export const projectRootOf = (stageFile: string): string => {
  for (let dir = dirname(resolve(stageFile)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'serverless.yml'))) return dir;
    if (dirname(dir) === dir) return process.cwd();
  }
};

/** The absolute folder of `source`, relative to the project root of `stageFile`. */
export const sourceFolderOf = (stageFile: string, source: string) =>
  resolve(projectRootOf(stageFile), source);
