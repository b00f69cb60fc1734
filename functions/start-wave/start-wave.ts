import type { Logger } from '@aws-lambda-powertools/logger';
import type { DeploymentIoTJobConfiguration } from '@aws-sdk/client-greengrassv2';
import { ownedComponents, releaseComponents } from '../deploy-to-twin/deploy-to-twin';
import type { TargetClients } from '../shared/assume-role';
import type { Clock } from '../shared/clock';
import { InvalidInput } from '../shared/errors';
import { type FleetTaskInput, FleetTaskSchema } from '../shared/fleet-input';
import { type DeploymentDiff, safeDeploy } from '../shared/greengrass/deployments';
import { offlineSoFar } from '../shared/offline-devices';
import type { Plan } from '../shared/plan';
import { DEPLOYMENT_POLL, type PollState, startPolling } from '../shared/polling';
import type { Fleet, Wave } from '../shared/stage-config/schema';
import { parseInput } from '../shared/validate';
import * as z from '../shared/zod-mini';
import { waveDeploymentName } from './wave-deployment-name';

/** A fleet task, and on later waves the outcome of the wave before (Check Wave's `$.wave`). */
const StartWaveSchema = z.extend(FleetTaskSchema, {
  wave: z.optional(z.looseObject({ nextWaveIndex: z.optional(z.int().check(z.gte(1))) })),
});

export type StartWaveOutput = {
  fleet: string;
  waveIndex: number;
  waveName: string;
  isLastWave: boolean;
  nextWaveIndex: number;
  deploymentId: string;
  targetArn: string;
  roleArn?: string;
  created: boolean;
  diff: DeploymentDiff;
  abort: { failureThresholdPercentage: number; minExecutedThings: number };
  /** When the wave started: its grace period for offline devices counts from here. */
  startedAt: string;
  graceMinutes: number;
  rolloutPerMinute: number;
  /** The rollout rate as configured: Check Wave's waits estimate the time left from it. */
  rollout: Wave['rollout'];
  bakeMinutes: number;
  analysis?: Fleet['analysis'];
  /** Devices found offline in the fleet's earlier waves: `<device> (<wave>)`. */
  offlineEarlier: string[];
  poll: PollState;
};
export type StartWaveDeps = {
  clientsFor: (roleArn: string | undefined) => TargetClients;
  logger: Logger;
  now: Clock;
  /** Takes the fleet's lease for this execution (lease-fleet.ts); `FleetBusy` when another holds it. */
  leaseFleet: (plan: Plan, fleet: Fleet) => Promise<unknown>;
};

/** The IoT job settings of a wave: rollout rate, abort criteria and per-device timeout. */
export const waveJobConfiguration = (wave: Wave): DeploymentIoTJobConfiguration => ({
  jobExecutionsRolloutConfig: {
    maximumPerMinute: wave.rollout.maximumPerMinute,
    ...(wave.rollout.exponentialRate ? { exponentialRate: wave.rollout.exponentialRate } : {}),
  },
  abortConfig: {
    criteriaList: [
      {
        failureType: 'ALL',
        action: 'CANCEL',
        thresholdPercentage: wave.abort.failureThresholdPercentage,
        minNumberOfExecutedThings: wave.abort.minExecutedThings,
      },
    ],
  },
  timeoutConfig: { inProgressTimeoutInMinutes: wave.deviceTimeoutMinutes },
});

/**
 * Deploys the release to one wave of a fleet (its thing group), merged with what the
 * group runs, with the wave's rollout rate, abort criteria and device timeout. Before the
 * fleet's first wave it takes the fleet's lease. Safe to repeat: the lease is already this
 * execution's, and see safeDeploy.
 */
export const startWave = async (
  rawInput: FleetTaskInput,
  { clientsFor, logger, now, leaseFleet }: StartWaveDeps,
): Promise<StartWaveOutput> => {
  const { plan, fleet, waveIndex: first, wave: previous } = parseInput(StartWaveSchema, rawInput);
  // The Wave Verdict? choice loops a succeeded wave straight back here: the next wave is the
  // one after the wave $.wave reports; without one, the fleet's first (or the given index).
  const waveIndex = previous?.nextWaveIndex ?? first;
  const wave = fleet.waves[waveIndex];
  if (!wave) throw new InvalidInput(`fleet ${fleet.name} has no wave #${waveIndex}`);
  // Never two rollouts to one fleet at a time: the lease is taken before anything is
  // deployed to the fleet and held until the release completes or is rolled back.
  if (waveIndex === 0) await leaseFleet(plan, fleet);
  const result = await safeDeploy(clientsFor(fleet.roleArn).greengrass, logger, {
    targetArn: wave.targetArn,
    deploymentName: waveDeploymentName(plan, fleet.name, wave.name),
    purpose: `wave:${fleet.name}:${wave.name}`,
    ours: releaseComponents(plan, fleet.platform, fleet.name),
    owned: ownedComponents(plan),
    iotJobConfiguration: waveJobConfiguration(wave),
    tags: {
      'edge-mlops:model-package': plan.modelPackageArn,
      'edge-mlops:wave': `${fleet.name}/${wave.name}`,
    },
  });
  logger.info('wave started', {
    fleet: fleet.name,
    wave: wave.name,
    deploymentId: result.deploymentId,
  });
  return {
    fleet: fleet.name,
    waveIndex,
    waveName: wave.name,
    isLastWave: waveIndex === fleet.waves.length - 1,
    nextWaveIndex: waveIndex + 1,
    ...result,
    ...(fleet.roleArn ? { roleArn: fleet.roleArn } : {}),
    abort: wave.abort,
    startedAt: now().toISOString(),
    graceMinutes: wave.graceMinutes,
    rolloutPerMinute: wave.rollout.exponentialRate
      ? Math.min(wave.rollout.exponentialRate.baseRatePerMinute, wave.rollout.maximumPerMinute)
      : wave.rollout.maximumPerMinute,
    rollout: wave.rollout,
    bakeMinutes: wave.bakeMinutes,
    ...(fleet.analysis ? { analysis: fleet.analysis } : {}),
    // $.wave still holds the previous wave's outcome (waveIndex 0 starts afresh).
    offlineEarlier: waveIndex === 0 ? [] : offlineSoFar(rawInput),
    poll: startPolling(now(), wave.waveTimeoutMinutes * 60, {
      ...DEPLOYMENT_POLL,
      initialSeconds: wave.pollFloorSeconds,
      maxSeconds: wave.pollCeilingSeconds,
    }),
  };
};
