import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ConfigError } from '../errors';
import type { StageConfig } from './schema';

/**
 * The stage configuration as a Lambda reads it: `config/<stage>.yml` validated at package
 * time (defaults applied) and written as JSON beside it, so no Lambda bundles the YAML
 * parser or the schema. The JSON names the SHA-256 of the YAML it came from; a Lambda
 * refuses JSON that does not match the YAML shipped with it, so an edited file can never
 * reach a running pipeline unvalidated.
 */
export type ResolvedStageConfig = { source: string; sha256: string; config: StageConfig };

/** `config/prod.yml` → `config/resolved/prod.json`. */
export const resolvedPathOf = (yamlFile: string): string =>
  join(dirname(yamlFile), 'resolved', `${basename(yamlFile).replace(/\.ya?ml$/, '')}.json`);

export const sha256Of = (text: string): string => createHash('sha256').update(text).digest('hex');

const read = (file: string, what: string): string => {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`${file}: cannot read ${what}: ${(error as Error).message}`);
  }
};

/** The resolved configuration of `yamlFile`, checked against the YAML's current content. */
export const readResolvedStageConfig = (yamlFile: string): StageConfig => {
  const digest = sha256Of(read(yamlFile, 'the stage configuration'));
  const jsonFile = resolvedPathOf(yamlFile);
  let resolved: ResolvedStageConfig;
  try {
    resolved = JSON.parse(read(jsonFile, 'the resolved stage configuration (package the stage)'));
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`${jsonFile}: not valid JSON: ${(error as Error).message}`);
  }
  if (resolved.sha256 !== digest) {
    throw new ConfigError(
      `${jsonFile} was resolved from another version of ${yamlFile} (sha256 ${String(resolved.sha256).slice(0, 12)}…, the file has ${digest.slice(0, 12)}…): package the stage again`,
    );
  }
  return resolved.config;
};
