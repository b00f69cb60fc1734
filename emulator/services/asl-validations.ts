import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../project-root';
import { cacheDirOf } from '../runtime/cache-dir';

/**
 * Definitions the interpreter's validator accepted before, remembered by content on disk.
 * aws-local-stepfunctions validates a definition with asl-validator, which compiles its JSON
 * schemas with ajv on every call: 200–500 ms of CPU in every process that runs the pipeline
 * (each `npm start`, each test's emulator). The answer depends only on the definition, the
 * options and the two packages' versions, so an accepted one need not be checked again.
 * Refusals are never remembered: they are reported every time.
 */
const VALIDATOR_PACKAGES = ['asl-validator', 'aws-local-stepfunctions'];

let versions: string | undefined;
const installedVersions = () => {
  versions ??= VALIDATOR_PACKAGES.map((name) => {
    const manifest = JSON.parse(
      readFileSync(join(PROJECT_ROOT, 'node_modules', name, 'package.json'), 'utf8'),
    ) as { version: string };
    return `${name}@${manifest.version}`;
  }).join(' ');
  return versions;
};

const markerOf = (definition: unknown, options: unknown) =>
  join(
    cacheDirOf('asl'),
    createHash('sha256')
      .update(installedVersions())
      .update(JSON.stringify(options))
      .update(JSON.stringify(definition))
      .digest('hex')
      .slice(0, 32),
  );

/** Whether this definition was accepted before, and how to remember that it is now. */
export const validationRecord = (definition: unknown, options: unknown) => {
  const marker = markerOf(definition, options);
  return {
    acceptedBefore: existsSync(marker),
    remember: (): void => {
      try {
        mkdirSync(cacheDirOf('asl'), { recursive: true });
        writeFileSync(marker, '');
      } catch {
        // A cache that cannot be written only costs the next run a validation.
      }
    },
  };
};
