import type { JobCohorts } from './fleet-cohorts';
import type { RolloutLadder } from './rollout-ladder';

/** The simulated fleet's vocabulary: devices, groups, deployment jobs, and the fleet's rates and timings. */
export type ExecutionStatus =
  | 'QUEUED'
  | 'IN_PROGRESS'
  | 'SUCCEEDED'
  | 'FAILED'
  | 'TIMED_OUT'
  | 'CANCELED'
  | 'REMOVED';

export type Thing = {
  name: string;
  arn: string;
  /** The account the device is registered in (its thing ARN's). */
  account: string;
  group?: string;
  /** A twin device: the fleet-wide rates (offline, crash) leave it alone. */
  twin?: boolean;
};
export type { FleetGroup as ThingGroup } from './fleet-groups';
export type ComponentSpec = {
  componentVersion?: string;
  configurationUpdate?: unknown;
  runWith?: unknown;
};

/** Virtual milliseconds (min, max): a value is drawn uniformly in between. */
export type Range = [number, number];

/** A device is offline from `from` until `until` (virtual epoch ms; null: until told otherwise). */
export type OfflineWindow = { from: number; until: number | null };

/** One device's part in a deployment job, fixed when the job is created. */
export type Schedule = {
  thing: string;
  /** The device's place in the job's rollout order (ties in the abort count go by it). */
  position?: number;
  /** When the device is notified, if computed from its cohort (else: from its availability). */
  notifyAt?: number;
  /** When the rollout (maximumPerMinute) reaches the device, online or not. */
  slot: number;
  /** From the device being online to it receiving the job (MQTT notification latency). */
  latencyMs: number;
  /** How long the device takes to apply the deployment once notified. */
  applyMs: number;
  fails: boolean;
  /** Why the device fails the deployment when it cannot download an artifact (fails is set). */
  downloadFailure?: DownloadFailure;
  /** The new components crash this long after a successful apply (undefined: they don't). */
  crashAfterMs?: number;
};

/**
 * A device that cannot download a component artifact fails the deployment with the nucleus'
 * error hierarchy (Greengrass developer guide, "Detailed deployment error codes").
 */
export type DownloadFailure = { errorStack: string[]; errorTypes: string[]; reason: string };

export type Job = {
  jobId: string;
  jobArn: string;
  /** The account of the job (its target's): IoT answers for it only there. */
  account: string;
  deploymentId: string;
  targetArn: string;
  createdAt: number;
  /** The rollout rate (jobExecutionsRolloutConfig.maximumPerMinute). */
  perMinute: number;
  /** The ramp up to that rate (jobExecutionsRolloutConfig.exponentialRate), if any. */
  ladder?: RolloutLadder;
  components: Record<string, ComponentSpec>;
  /** The devices held one by one: thing targets, devices that joined, devices held individually. */
  schedules: Schedule[];
  /** The same schedules by device. */
  scheduleOf: Map<string, Schedule>;
  /** A thing group's provisioned devices, in cohorts (fleet-cohorts.ts). */
  cohorts?: JobCohorts;
  timeoutMs: number;
  abort?: AbortRule;
  canceledAt?: number;
  /** A newer deployment to the same target replaced this one (executions not yet started end). */
  supersededAt?: number;
  /** A baseline deployment: no device fails, goes offline or crashes because of it. */
  healthy?: boolean;
  /** Every device of the job's account fails it: an artifact its token exchange role cannot read. */
  downloadFailure?: DownloadFailure;
};

export type FleetOptions = {
  seed: string;
  deviceFailureRate: number;
  /** Virtual milliseconds a device takes to apply a deployment. */
  applyMs: Range;
  /** Virtual milliseconds from an online device's turn in the rollout to its notification. */
  notifyLatencyMs: Range;
  /** Share of fleet devices found offline when a deployment reaches them (0–1). */
  offlineRate: number;
  /** How long a device found offline stays offline. */
  offlineMs: Range;
  /** Share of fleet devices whose new components crash after a successful deployment (0–1). */
  crashAfterStartRate: number;
  /** How long after the deployment succeeded the components go BROKEN. */
  crashAfterMs: Range;
  /** Cohorts per thing group: beyond this many devices, devices share their cohort's fate. */
  cohorts: number;
};

export const DEFAULT_FLEET_OPTIONS: Omit<FleetOptions, 'seed'> = {
  deviceFailureRate: 0,
  applyMs: [20_000, 90_000],
  notifyLatencyMs: [0, 0],
  offlineRate: 0,
  offlineMs: [10 * 60_000, 4 * 3_600_000],
  crashAfterStartRate: 0,
  crashAfterMs: [30_000, 5 * 60_000],
  cohorts: 1000,
};

export type AbortRule = { thresholdPercentage: number; minExecuted: number };

/** What a device runs: the components of the last deployment it applied successfully. */
export type InstalledState = {
  components: Record<string, ComponentSpec>;
  deploymentId?: string;
  appliedAt?: number;
  /** When the components of that deployment went BROKEN (crash after start), if they did by then. */
  brokenAt?: number;
};

export const BASELINE_COMPONENTS: Record<string, ComponentSpec> = {
  'aws.greengrass.Nucleus': { componentVersion: '2.12.6' },
  'com.example.plant.telemetry': { componentVersion: '1.2.0' },
};
