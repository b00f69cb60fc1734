import { existsSync } from 'node:fs';
import { loadStageConfig } from '../../functions/shared/stage-config/load';
import type { StageConfig } from '../../functions/shared/stage-config/schema';
import { CliError } from './cli-error';
import { type CommonOptions, stageOf } from './options';

export type ModelGroupOptions = CommonOptions & { config?: string; modelGroup?: string };

/** The stage configuration a command reads: --config, else config/<stage>.yml. */
export const configFileOf = (o: ModelGroupOptions) => o.config ?? `config/${stageOf(o)}.yml`;

/**
 * `--model-group` must name a group of the stage configuration: a misspelt group is an
 * error naming the groups there, not an empty list that reads as "nothing to do". Without a
 * configuration file (the default one missing, as on a laptop without the repository) the
 * list itself is the only answer; a --config that does not exist is an error.
 */
export const assertKnownModelGroup = (o: ModelGroupOptions): void => {
  const file = configFileOf(o);
  if (!existsSync(file)) {
    if (o.config)
      throw new CliError(`${file} does not exist: give the stage configuration with --config`);
    return;
  }
  if (o.modelGroup) refuseUnknownModelGroup(file, loadStageConfig(file), o.modelGroup);
};

/** The same check, for a command that has loaded the configuration anyway. */
export const refuseUnknownModelGroup = (
  file: string,
  config: StageConfig,
  modelGroup: string | undefined,
): void => {
  const groups = Object.keys(config.modelGroups);
  if (modelGroup && !groups.includes(modelGroup))
    throw new CliError(`${file} has no model group ${modelGroup} (it has ${groups.join(', ')})`);
};
