import type { Logger } from '@aws-lambda-powertools/logger';
import type { Clock } from '../shared/clock';
import { Superseded } from '../shared/errors';
import type { Plan } from '../shared/plan';
import { getLatestVersion } from '../shared/registry-store';
import type { StateStore } from '../shared/state-store';
import { acquireTwinLease, twinClaim } from '../shared/twin-lease';

export type LeaseTwinDeps = { store: StateStore; logger: Logger; now: Clock };

/** Slack on top of the twin deployment's own deadline and the tests' longest run. */
const TESTS_MS = 15 * 60 * 1000;
const LEASE_MARGIN_MS = 60 * 60 * 1000;

/**
 * The checkpoint before the twin, taken by Deploy To Twin before it deploys: a version
 * superseded by a newer approval stops here, before it spends a twin deployment; otherwise
 * it takes the twin's lease until its tests are judged (again on a retry: the lease is
 * already its own). The lease outlives a crashed run by an hour at most.
 */
export const leaseTwin = async (
  plan: Plan,
  { store, logger, now }: LeaseTwinDeps,
): Promise<{ holder: string; expiresAt: string }> => {
  const latest = await getLatestVersion(store, plan.modelPackageGroupName);
  if (latest !== undefined && latest > plan.modelPackageVersion) {
    throw new Superseded(
      `version ${latest} of ${plan.modelPackageGroupName} was approved after version ${plan.modelPackageVersion}; this release stops before the twin`,
    );
  }
  const at = now().getTime();
  const expiresAt = at + plan.twin.deploymentTimeoutMinutes * 60_000 + TESTS_MS + LEASE_MARGIN_MS;
  await acquireTwinLease(store, twinClaim(plan), at, expiresAt);
  logger.info('twin lease acquired', {
    twin: plan.twin.targetArn,
    expiresAt: new Date(expiresAt).toISOString(),
  });
  return { holder: plan.executionArn, expiresAt: new Date(expiresAt).toISOString() };
};
