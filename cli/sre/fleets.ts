import { DescribeJobCommand } from '@aws-sdk/client-iot';
import { DescribeExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { countsOf, failuresOf } from '../../functions/check-deployment/settle';
import type { TargetClients } from '../../functions/shared/assume-role';
import { currentDeployment } from '../../functions/shared/greengrass/deployments';
import type { StageConfig } from '../../functions/shared/stage-config/schema';
import {
  type FleetRecord,
  getFleetRecord,
  type StateStore,
} from '../../functions/shared/state-store';
import type { NotRestored } from './rollbacks';
import { executionNameOf, inputOf } from './state-machine';

/**
 * What runs where: for each configured fleet, what its waves' thing groups run now (their
 * current Greengrass deployment, the same read every rollout starts with), the last good
 * release (the state table's fleet record), the rollout holding the fleet's lease with each
 * wave's device counts (the deployment's IoT job), and devices its last rollback could not
 * restore (the Check Rollback result in the execution history). Nothing else is kept.
 */
export type DeviceCounts = {
  succeeded: number;
  failed: number;
  inProgress: number;
  /** QUEUED: offline, or not yet reached by the rollout rate. */
  queued: number;
  total: number;
};

export type WaveState = {
  wave: string;
  targetArn: string;
  /** The model package version the wave's current deployment carries (none: not ours yet). */
  version?: number;
  deploymentId?: string;
  deploymentStatus?: string;
  counts?: DeviceCounts;
};

type ReleaseRef = { version: number; execution: string; at: string };

export type FleetView = {
  modelGroup: string;
  fleet: string;
  /** Model versions the waves run now, one entry per distinct version (or none). */
  runsNow: { version?: number; waves: string[] }[];
  lastGood?: ReleaseRef;
  previousGood?: ReleaseRef;
  waves: WaveState[];
  rollout?: { execution: string; version?: number; leaseExpiresAt?: string; waves: WaveState[] };
  notRestored?: NotRestored;
};

export type FleetDeps = {
  store: StateStore;
  sfn: SFNClient;
  /** Devices the newest rollback of a fleet left on the failed release (rollbacks.ts). */
  notRestored: (only: {
    modelGroup: string;
    fleet: string;
    after?: string;
  }) => Promise<NotRestored | undefined>;
  clientsFor: (roleArn: string | undefined) => TargetClients;
  now: number;
};

/** `<major>.0.<version>` (resolve-model's modelComponentVersion) → the package version. */
const versionOf = (componentVersion: string | undefined) => {
  const patch = componentVersion?.split('.')[2];
  return patch && /^\d+$/.test(patch) ? Number(patch) : undefined;
};

const releaseRef = (r: FleetRecord['lastGood']): ReleaseRef | undefined =>
  r
    ? { version: r.modelPackageVersion, execution: executionNameOf(r.executionArn), at: r.at }
    : undefined;

const waveState = async (
  clients: TargetClients,
  modelComponent: string,
  wave: { name: string; targetArn: string },
): Promise<WaveState> => {
  const current = await currentDeployment(clients.greengrass, wave.targetArn);
  const state: WaveState = {
    wave: wave.name,
    targetArn: wave.targetArn,
    ...(current.deploymentId
      ? { deploymentId: current.deploymentId, deploymentStatus: current.status }
      : {}),
  };
  const version = versionOf(current.components[modelComponent]?.componentVersion);
  if (version !== undefined) state.version = version;
  if (current.iotJobId) {
    const { job } = await clients.iot.send(new DescribeJobCommand({ jobId: current.iotJobId }));
    const c = countsOf(job?.jobProcessDetails as Record<string, number> | undefined);
    const counts = {
      succeeded: c.succeeded,
      failed: failuresOf(c),
      inProgress: c.inProgress,
      queued: c.queued,
    };
    state.counts = { ...counts, total: Object.values(counts).reduce((a, b) => a + b, 0) };
  }
  return state;
};

export const fleetViews = async (
  config: StageConfig,
  deps: FleetDeps,
  only?: { modelGroup?: string; fleet?: string },
): Promise<FleetView[]> => {
  const views: FleetView[] = [];
  for (const [modelGroup, profile] of Object.entries(config.modelGroups)) {
    if (only?.modelGroup && only.modelGroup !== modelGroup) continue;
    for (const fleet of profile.fleets) {
      if (only?.fleet && only.fleet !== fleet.name) continue;
      const clients = deps.clientsFor(fleet.roleArn);
      const record = await getFleetRecord(deps.store, modelGroup, fleet.name);
      const waves: WaveState[] = [];
      for (const wave of fleet.waves)
        waves.push(await waveState(clients, profile.components.model.name, wave));
      const runsNow: FleetView['runsNow'] = [];
      for (const w of waves) {
        const same = runsNow.find((r) => r.version === w.version);
        if (same) same.waves.push(w.wave);
        else
          runsNow.push({
            ...(w.version !== undefined ? { version: w.version } : {}),
            waves: [w.wave],
          });
      }
      const view: FleetView = { modelGroup, fleet: fleet.name, runsNow, waves };
      const lastGood = releaseRef(record.lastGood);
      const previousGood = releaseRef(record.previousGood);
      if (lastGood) view.lastGood = lastGood;
      if (previousGood) view.previousGood = previousGood;
      if (record.leaseHolder && (record.leaseExpiresAt ?? 0) > deps.now) {
        const described = await deps.sfn.send(
          new DescribeExecutionCommand({ executionArn: record.leaseHolder }),
        );
        const version = inputOf(described).modelPackageVersion;
        view.rollout = {
          execution: executionNameOf(record.leaseHolder),
          ...(version !== undefined ? { version } : {}),
          ...(record.leaseExpiresAt
            ? { leaseExpiresAt: new Date(record.leaseExpiresAt).toISOString() }
            : {}),
          // Waves the rollout has reached carry its version; the others wait their turn.
          waves: waves.filter((w) => version !== undefined && w.version === version),
        };
      }
      const notRestored = await deps.notRestored({
        modelGroup,
        fleet: fleet.name,
        after: record.lastGood?.at,
      });
      if (notRestored) view.notRestored = notRestored;
      views.push(view);
    }
  }
  return views;
};
