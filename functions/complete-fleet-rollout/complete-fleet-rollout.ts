import type { Logger } from '@aws-lambda-powertools/logger';
import { releaseComponents } from '../deploy-to-twin/deploy-to-twin';
import { type FleetTaskInput, FleetTaskSchema } from '../shared/fleet-input';
import { offlineSoFar } from '../shared/offline-devices';
import { recordFleetRelease, releaseFleetLease, type StateStore } from '../shared/state-store';
import { parseInput } from '../shared/validate';

export type CompleteFleetRolloutDeps = { store: StateStore; logger: Logger; now: () => Date };
export type CompleteFleetRolloutOutput = {
  fleet: string;
  status: 'DEPLOYED';
  waves: string[];
  modelPackageVersion: number;
  previousVersion: number | null;
  /** Whether this execution still holds the lease (until its last fleet completes). */
  leaseKept: boolean;
  /** Devices that were offline: `<device> (<wave>)`; they get the release when they return. */
  offline: string[];
};

/**
 * Every wave of the fleet succeeded: record this release as the fleet's last good one
 * (what a later rollback restores), in one conditional write. All-or-nothing: the lease is
 * kept until the release's last fleet completes, so that a later fleet's failure can still put
 * this one back (`onLaterFleetFailure: keep` frees it at once). The last fleet frees them all.
 */
export const completeFleetRollout = async (
  rawInput: FleetTaskInput,
  { store, logger, now }: CompleteFleetRolloutDeps,
): Promise<CompleteFleetRolloutOutput> => {
  const { plan, fleet } = parseInput(FleetTaskSchema, rawInput);
  const isLast = plan.fleets.at(-1)?.name === fleet.name;
  const keepLease = !isLast && fleet.onLaterFleetFailure !== 'keep';
  const record = await recordFleetRelease(
    store,
    plan.modelPackageGroupName,
    fleet.name,
    {
      modelPackageArn: plan.modelPackageArn,
      modelPackageVersion: plan.modelPackageVersion,
      components: releaseComponents(plan, fleet.platform, fleet.name),
      executionArn: plan.executionArn,
      at: now().toISOString(),
    },
    keepLease,
  );
  if (isLast) {
    // The release is complete everywhere: the earlier fleets are free again.
    for (const other of plan.fleets) {
      await releaseFleetLease(store, plan.modelPackageGroupName, other.name, plan.executionArn);
    }
  }
  logger.info('fleet rollout complete', {
    fleet: fleet.name,
    version: plan.modelPackageVersion,
    leaseKept: keepLease,
  });
  return {
    fleet: fleet.name,
    status: 'DEPLOYED',
    waves: fleet.waves.map((w) => w.name),
    modelPackageVersion: plan.modelPackageVersion,
    previousVersion: record.previousGood?.modelPackageVersion ?? null,
    leaseKept: keepLease,
    offline: offlineSoFar(rawInput),
  };
};
