import { existsSync } from 'node:fs';
import { loadStageConfig } from '../../functions/shared/stage-config/load';
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
  if (!o.modelGroup) return;
  const groups = Object.keys(loadStageConfig(file).modelGroups);
  if (!groups.includes(o.modelGroup))
    throw new CliError(`${file} has no model group ${o.modelGroup} (it has ${groups.join(', ')})`);
};
