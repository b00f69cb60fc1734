import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { type ResolvedStageConfig, resolvedPathOf, sha256Of } from './resolved';
import type { StageConfig } from './schema';

const current = (file: string): string | undefined => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

/**
 * Writes the validated configuration of `yamlFile` (whose content is `text`) as the JSON the
 * Lambdas read (see resolved.ts). Replaced atomically, so parallel runs never read half a file,
 * and only when it changed.
 */
export const writeResolvedStageConfig = (
  yamlFile: string,
  text: string,
  config: StageConfig,
): string => {
  const target = resolvedPathOf(yamlFile);
  const resolved: ResolvedStageConfig = {
    source: basename(yamlFile),
    sha256: sha256Of(text),
    config,
  };
  const json = `${JSON.stringify(resolved, null, 2)}\n`;
  if (current(target) === json) return target;
  mkdirSync(dirname(target), { recursive: true });
  const temporary = `${target}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temporary, json);
  renameSync(temporary, target);
  return target;
};
