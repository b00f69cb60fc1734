import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { CancelDeploymentCommand } from '@aws-sdk/client-greengrassv2';
import { z } from 'zod';
import { ownedComponents } from '../deploy-to-twin/deploy-to-twin';
import type { TargetClients } from '../shared/assume-role';
import { classifyAwsError, isAwsError } from '../shared/errors';
import { FleetTaskSchema } from '../shared/fleet-input';
import { safeDeploy } from '../shared/greengrass/deployments';
import { getFleetRecord, releaseFleetLease, type StateStore } from '../shared/state-store';
import { parseInput } from '../shared/validate';

const InputSchema = FleetTaskSchema.extend({
  wave: z
    .object({
      waveIndex: z.number().int().min(0),
      waveName: z.string(),
      deploymentId: z.string(),
      status: z.string(),
      reason: z.string().optional(),
      counts: z.record(z.string(), z.number()),
      failureRate: z.number(),
      abort: z.object({ failureThresholdPercentage: z.number(), minExecutedThings: z.number() }),
      devices: z.object({ failed: z.array(z.string()), stuck: z.array(z.string()) }).optional(),
    })
    .passthrough(),
});
export type RollBackFleetInput = z.input<typeof InputSchema>;
export type RollBackFleetOutput = {
  fleet: string;
  /** Human cause of the RolloutAborted failure: wave, counts, threshold, what was restored. */
  cause: string;
  restoredVersion: number | null;
  rolledBack: { wave: string; targetArn: string; deploymentId: string; created: boolean }[];
};
export type RollBackFleetDeps = {
  clientsFor: (roleArn: string | undefined) => TargetClients;
  store: StateStore;
  logger: Logger;
  metrics?: Metrics;
};

/**
 * A wave crossed its failure threshold (or hung): cancel its deployment for devices that
 * have not received it, put every wave of the fleet reached so far back on the fleet's last
 * good release (removing our components if there was none), and free the fleet's lease.
 * Idempotent: rollback deployments go through safeDeploy.
 */
export const rollBackFleet = async (
  rawInput: RollBackFleetInput,
  { clientsFor, store, logger, metrics }: RollBackFleetDeps,
): Promise<RollBackFleetOutput> => {
  const { plan, fleet, wave } = parseInput(InputSchema, rawInput);
  const { greengrass } = clientsFor(fleet.roleArn);
  try {
    await greengrass.send(new CancelDeploymentCommand({ deploymentId: wave.deploymentId }));
  } catch (error) {
    // Already cancelled (by the IoT abort criteria) or finished: nothing left to stop.
    if (
      !isAwsError(error, 'ConflictException', 'ResourceNotFoundException', 'ValidationException')
    ) {
      throw classifyAwsError(error, `CancelDeployment ${wave.deploymentId}`);
    }
  }

  const record = await getFleetRecord(store, plan.modelPackageGroupName, fleet.name);
  const lastGood = record.lastGood;
  const rolledBack: RollBackFleetOutput['rolledBack'] = [];
  for (const reached of fleet.waves.slice(0, wave.waveIndex + 1)) {
    const result = await safeDeploy(greengrass, logger, {
      targetArn: reached.targetArn,
      deploymentName: `edge-mlops ${plan.modelPackageGroupName} rollback ${fleet.name}/${reached.name} to ${lastGood ? `v${lastGood.modelPackageVersion}` : 'none'}`,
      purpose: `rollback:${fleet.name}:${reached.name}`,
      ours: lastGood?.components ?? {},
      owned: ownedComponents(plan),
      tags: { 'edge-mlops:rollback-of': plan.modelPackageArn },
    });
    rolledBack.push({
      wave: reached.name,
      targetArn: reached.targetArn,
      deploymentId: result.deploymentId,
      created: result.created,
    });
  }
  await releaseFleetLease(store, plan.modelPackageGroupName, fleet.name, plan.executionArn);

  const c = wave.counts;
  const failed = (c.failed ?? 0) + (c.timedOut ?? 0) + (c.rejected ?? 0);
  const executed = failed + (c.succeeded ?? 0);
  const restored = lastGood
    ? `restored v${lastGood.modelPackageVersion} (${Object.entries(lastGood.components)
        .map(([name, spec]) => `${name} ${spec.componentVersion}`)
        .join(', ')})`
    : 'removed the model (no earlier release)';
  const devices = wave.devices?.failed.length
    ? `; failed devices: ${wave.devices.failed.slice(0, 10).join(', ')}`
    : '';
  const cause =
    `wave ${wave.waveName} of fleet ${fleet.name} ${wave.status}: ${wave.reason ?? `${failed} of ${executed} devices failed (${wave.failureRate}%)`}` +
    ` [threshold ${wave.abort.failureThresholdPercentage}% after ${wave.abort.minExecutedThings} devices; counts ${JSON.stringify(c)}]` +
    `; rolled back ${rolledBack.map((r) => r.wave).join(', ')}: ${restored}${devices}`;
  // One line in EMF format: CloudWatch turns it into the RolloutsAborted metric (alarm).
  logger.warn('fleet rolled back', { fleet: fleet.name, wave: wave.waveName, cause });
  metrics?.addMetric('RolloutsAborted', MetricUnit.Count, 1);
  metrics?.publishStoredMetrics();
  return {
    fleet: fleet.name,
    cause,
    restoredVersion: lastGood?.modelPackageVersion ?? null,
    rolledBack,
  };
};
