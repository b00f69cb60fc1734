import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { CancelDeploymentCommand, type GreengrassV2Client } from '@aws-sdk/client-greengrassv2';
import { ownedComponents, releaseComponents } from '../deploy-to-twin/deploy-to-twin';
import type { TargetClients } from '../shared/assume-role';
import type { Clock } from '../shared/clock';
import { classifyAwsError, isAwsError, readableCause } from '../shared/errors';
import { type ComponentMap, currentDeployment, safeDeploy } from '../shared/greengrass/deployments';
import { DEPLOYMENT_POLL, startPolling } from '../shared/polling';
import { ReleaseInputSchema } from '../shared/release-input';
import { getFleetRecord, giveBackFleet, type StateStore } from '../shared/state-store';
import { parseInput } from '../shared/validate';
import * as z from '../shared/zod-mini';
import { waveDeploymentName } from '../start-wave/wave-deployment-name';
import type { RollBackFleetOutput, RolledBackFleet, RolledBackWave } from './rollback-state';

export type { RollBackFleetOutput, RolledBackFleet, RolledBackWave };

const InputSchema = z.extend(ReleaseInputSchema, {
  error: z.object({ Error: z._default(z.string(), 'Unknown'), Cause: z._default(z.string(), '') }),
});
export type RollBackFleetInput = z.input<typeof InputSchema>;

export type RollBackFleetDeps = {
  clientsFor: (roleArn: string | undefined) => TargetClients;
  store: StateStore;
  logger: Logger;
  now: Clock;
  metrics?: Metrics;
};

const cancelIfOurs = async (greengrass: GreengrassV2Client, targetArn: string, ourName: string) => {
  const current = await currentDeployment(greengrass, targetArn);
  if (!current.deploymentId || current.deploymentName !== ourName || current.status !== 'ACTIVE')
    return;
  try {
    // Devices that have not received it yet never will (API reference, CancelDeployment);
    // those that did are put back by the rollback deployment below.
    await greengrass.send(new CancelDeploymentCommand({ deploymentId: current.deploymentId }));
  } catch (error) {
    // Already cancelled (by the IoT abort criteria) or finished: nothing left to stop.
    if (
      !isAwsError(error, 'ConflictException', 'ResourceNotFoundException', 'ValidationException')
    ) {
      throw classifyAwsError(error, `CancelDeployment ${current.deploymentId}`);
    }
  }
};

const describeRelease = (release: { modelPackageVersion: number; components: ComponentMap }) =>
  `v${release.modelPackageVersion} (${Object.entries(release.components)
    .map(([name, spec]) => `${name} ${spec.componentVersion}`)
    .join(', ')})`;

/**
 * Something failed inside the fleet rollout (a wave over its threshold or unhealthy, a
 * timeout, retries that ran out, a busy fleet): every fleet whose lease this execution holds
 * goes back to what it ran before this run — the fleet that failed, and (all-or-nothing)
 * the fleets it had already finished. On each, the in-flight wave deployment of this run is
 * cancelled, every wave is redeployed with the previous release merged in (waves that never
 * got this release are left as they are), the fleet record is restored and the lease freed.
 * Idempotent: rollback deployments go through safeDeploy. Check Rollback then verifies them.
 */
export const rollBackFleet = async (
  rawInput: RollBackFleetInput,
  { clientsFor, store, logger, now, metrics }: RollBackFleetDeps,
): Promise<RollBackFleetOutput> => {
  const { plan, error } = parseInput(InputSchema, rawInput);
  const me = plan.executionArn;
  const fleets: RolledBackFleet[] = [];
  const kept: string[] = [];
  const lost: RollBackFleetOutput['lost'] = [];
  for (const fleet of plan.fleets) {
    const record = await getFleetRecord(store, plan.modelPackageGroupName, fleet.name);
    const finished = record.lastGood?.executionArn === me;
    if (record.leaseHolder !== me) {
      if (finished) {
        if (fleet.onLaterFleetFailure === 'keep') kept.push(fleet.name);
        else lost.push({ fleet: fleet.name, holder: record.leaseHolder ?? 'nobody' });
      }
      continue;
    }
    const before = finished ? record.previousGood : record.lastGood;
    const { greengrass } = clientsFor(fleet.roleArn);
    const waves: RolledBackWave[] = [];
    for (const wave of fleet.waves) {
      await cancelIfOurs(
        greengrass,
        wave.targetArn,
        waveDeploymentName(plan, fleet.name, wave.name),
      );
      const result = await safeDeploy(greengrass, logger, {
        targetArn: wave.targetArn,
        deploymentName: `edge-mlops ${plan.modelPackageGroupName} rollback ${fleet.name}/${wave.name} to ${before ? `v${before.modelPackageVersion}` : 'none'}`,
        purpose: `rollback:${fleet.name}:${wave.name}`,
        ours: before?.components ?? {},
        owned: ownedComponents(plan),
        tags: { 'edge-mlops:rollback-of': plan.modelPackageArn },
      });
      const { added, changed, removed } = result.diff;
      waves.push({
        wave: wave.name,
        targetArn: wave.targetArn,
        deploymentId: result.deploymentId,
        created: result.created,
        changed: added.length + changed.length + removed.length > 0,
      });
    }
    const gaveBack = await giveBackFleet(store, plan.modelPackageGroupName, fleet.name, me);
    if (!gaveBack) lost.push({ fleet: fleet.name, holder: 'taken over during the rollback' });
    fleets.push({
      fleet: fleet.name,
      ...(fleet.roleArn ? { roleArn: fleet.roleArn } : {}),
      finished,
      restoredVersion: before?.modelPackageVersion ?? null,
      restored: before ? describeRelease(before) : null,
      bad: releaseComponents(plan, fleet.platform, fleet.name),
      graceMinutes: Math.max(...fleet.waves.map((w) => w.graceMinutes ?? 30)),
      waves,
    });
  }
  const rolledBack = fleets.filter((f) => f.waves.some((w) => w.changed || w.created));
  // One line in EMF format: CloudWatch turns it into the RolloutsAborted metric (alarm).
  logger.warn('fleets rolled back', {
    error: error.Error,
    fleets: rolledBack.map((f) => f.fleet),
    kept,
    lost,
  });
  if (rolledBack.length) {
    metrics?.addMetric('RolloutsAborted', MetricUnit.Count, 1);
  }
  const at = now();
  const timeoutMinutes = Math.max(
    30,
    ...plan.fleets.flatMap((f) => f.waves.map((w) => w.waveTimeoutMinutes ?? 240)),
  );
  return {
    error: { Error: error.Error, Cause: readableCause(error.Cause) },
    fleets,
    kept,
    lost,
    startedAt: at.toISOString(),
    poll: startPolling(at, timeoutMinutes * 60, DEPLOYMENT_POLL),
  };
};
