import type { Logger } from '@aws-lambda-powertools/logger';
import type { TargetClients } from '../shared/assume-role';
import type { Clock } from '../shared/clock';
import { ConfigError } from '../shared/errors';
import { safeDeploy } from '../shared/greengrass/deployments';
import { modelComponentName } from '../shared/names';
import type { StageConfig } from '../shared/stage-config/schema';
import {
  acquireFleetLease,
  getFleetRecord,
  releaseFleetLease,
  restorePreviousRelease,
  type StateStore,
} from '../shared/state-store';
import { parseInput } from '../shared/validate';
import * as z from '../shared/zod-mini';

const InputSchema = z.object({
  modelPackageArn: z.string().check(z.minLength(1)),
  modelPackageGroupName: z.string().check(z.minLength(1)),
  modelPackageVersion: z.int(),
  executionArn: z.string().check(z.minLength(1)),
  rollback: z.object({ reason: z.string().check(z.minLength(1)) }),
});
export type RollBackRejectedInput = z.input<typeof InputSchema>;
export type RollBackRejectedOutput = {
  fleets: { fleet: string; restoredVersion: number | null; waves: string[] }[];
  untouched: string[];
};
export type RollBackRejectedDeps = {
  clientsFor: (roleArn: string | undefined) => TargetClients;
  store: StateStore;
  logger: Logger;
  now: Clock;
  config: { stageConfig: StageConfig; stage: string };
};

const LEASE_MS = 4 * 3600 * 1000;

/**
 * A version that is live on fleets was rejected in the registry: every fleet whose last good
 * release is that version goes back to its previous good release (or loses our components if
 * there was none), wave by wave, under the fleet's lease. Fleets running something else are
 * left alone. Idempotent: deployments go through safeDeploy, the record moves once.
 */
export const rollBackRejected = async (
  rawInput: RollBackRejectedInput,
  { clientsFor, store, logger, now, config }: RollBackRejectedDeps,
): Promise<RollBackRejectedOutput> => {
  const input = parseInput(InputSchema, rawInput);
  const profile = config.stageConfig.modelGroups[input.modelPackageGroupName];
  if (!profile)
    throw new ConfigError(
      `model package group "${input.modelPackageGroupName}" has no profile in config/${config.stage}.yml`,
    );
  const owned = [
    ...new Set([
      ...profile.targets.map((t) => modelComponentName(profile, t.name)),
      profile.components.inference.name,
    ]),
  ];
  const result: RollBackRejectedOutput = { fleets: [], untouched: [] };
  for (const fleet of profile.fleets) {
    const record = await getFleetRecord(store, input.modelPackageGroupName, fleet.name);
    if (record.lastGood?.modelPackageArn !== input.modelPackageArn) {
      result.untouched.push(fleet.name);
      continue;
    }
    await acquireFleetLease(
      store,
      input.modelPackageGroupName,
      fleet.name,
      input.executionArn,
      now().getTime(),
      now().getTime() + LEASE_MS,
    );
    const previous = record.previousGood;
    for (const wave of fleet.waves) {
      await safeDeploy(clientsFor(fleet.roleArn).greengrass, logger, {
        targetArn: wave.targetArn,
        deploymentName: `edge-mlops ${input.modelPackageGroupName} rejected v${input.modelPackageVersion}: back to ${previous ? `v${previous.modelPackageVersion}` : 'none'} on ${fleet.name}/${wave.name}`,
        purpose: `reject:${fleet.name}:${wave.name}`,
        ours: previous?.components ?? {},
        owned,
        tags: { 'edge-mlops:rollback-of': input.modelPackageArn },
      });
    }
    await restorePreviousRelease(
      store,
      input.modelPackageGroupName,
      fleet.name,
      input.executionArn,
      input.modelPackageArn,
    );
    await releaseFleetLease(store, input.modelPackageGroupName, fleet.name, input.executionArn);
    logger.warn('rejected release rolled back', {
      fleet: fleet.name,
      restoredVersion: previous?.modelPackageVersion ?? null,
      reason: input.rollback.reason,
    });
    result.fleets.push({
      fleet: fleet.name,
      restoredVersion: previous?.modelPackageVersion ?? null,
      waves: fleet.waves.map((w) => w.name),
    });
  }
  return result;
};
