import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { loadStageConfig } from '../../functions/shared/stage-config/load';
import { sfnOf, stateStoreFor, targetClientsFor } from './aws';
import { CliError } from './cli-error';
import { fleetViews } from './fleets';
import { formatFleet } from './fleets-format';
import { configFileOf, refuseUnknownModelGroup } from './model-group';
import { out, stageOf, withCommonOptions, withTableOption } from './options';
import { rollbackFinder } from './rollbacks';
import { findStateMachine } from './state-machine';

/** `edge-mlops fleets`: what runs where, what is rolling out, what could not be restored. */
export const registerFleetCommands = (program: Command, exit: (code: number) => never) => {
  withTableOption(
    withCommonOptions(
      program
        .command('fleets')
        .description(
          'each configured fleet: the version it runs now, the last good release, a rollout in flight, devices not restored',
        ),
    ),
  )
    .option('--config <file>', 'stage configuration (default: config/<stage>.yml)')
    .option('--model-group <group>', 'only this model package group')
    .option('--fleet <name>', 'only this fleet')
    .action(async (o) => {
      const file = configFileOf(o);
      // Fleets come from the configuration: without it there is nothing to show.
      if (!existsSync(file))
        throw new CliError(`${file} does not exist: give the stage configuration with --config`);
      const config = loadStageConfig(file);
      refuseUnknownModelGroup(file, config, o.modelGroup);
      const sfn = sfnOf(o);
      const stateMachineArn = await findStateMachine(sfn, stageOf(o), o.stateMachineArn);
      const fleets = await fleetViews(
        config,
        {
          store: await stateStoreFor(o),
          sfn,
          clientsFor: targetClientsFor(o),
          notRestored: rollbackFinder(sfn, stateMachineArn),
          now: Date.now(),
        },
        { modelGroup: o.modelGroup, fleet: o.fleet },
      );
      if (o.fleet && fleets.length === 0) throw new CliError(`no fleet ${o.fleet} in ${file}`);
      if (o.json) out(JSON.stringify({ fleets }));
      else out(fleets.map(formatFleet).join('\n\n'));
      exit(0);
    });
};
