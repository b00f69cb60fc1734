import type { Logger } from '@aws-lambda-powertools/logger';
import { releaseComponents } from '../deploy-to-twin/deploy-to-twin';
import { type FleetTaskInput, FleetTaskSchema } from '../shared/fleet-input';
import { recordFleetRelease, type StateStore } from '../shared/state-store';
import { parseInput } from '../shared/validate';

export type CompleteFleetRolloutDeps = { store: StateStore; logger: Logger; now: () => Date };
export type CompleteFleetRolloutOutput = {
  fleet: string;
  status: 'DEPLOYED';
  waves: string[];
  modelPackageVersion: number;
  previousVersion: number | null;
};

/**
 * Every wave of the fleet succeeded: record this release as the fleet's last good one
 * (what a later rollback restores) and free the lease, in one conditional write.
 */
export const completeFleetRollout = async (
  rawInput: FleetTaskInput,
  { store, logger, now }: CompleteFleetRolloutDeps,
): Promise<CompleteFleetRolloutOutput> => {
  const { plan, fleet } = parseInput(FleetTaskSchema, rawInput);
  const record = await recordFleetRelease(store, plan.modelPackageGroupName, fleet.name, {
    modelPackageArn: plan.modelPackageArn,
    modelPackageVersion: plan.modelPackageVersion,
    components: releaseComponents(plan, fleet.platform),
    executionArn: plan.executionArn,
    at: now().toISOString(),
  });
  logger.info('fleet rollout complete', { fleet: fleet.name, version: plan.modelPackageVersion });
  return {
    fleet: fleet.name,
    status: 'DEPLOYED',
    waves: fleet.waves.map((w) => w.name),
    modelPackageVersion: plan.modelPackageVersion,
    previousVersion: record.previousGood?.modelPackageVersion ?? null,
  };
};
