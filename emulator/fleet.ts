import { uniform } from './random';

/**
 * The simulated fleet: things in thing groups, Greengrass deployments expanded into IoT job
 * executions, and what each device runs. Everything is computed from schedules fixed when a
 * deployment is created (when each device is notified, when it finishes, whether it fails),
 * so reading the fleet at any virtual time is cheap and deterministic under the seed.
 */
export type ExecutionStatus =
  | 'QUEUED'
  | 'IN_PROGRESS'
  | 'SUCCEEDED'
  | 'FAILED'
  | 'TIMED_OUT'
  | 'CANCELED';

export type Thing = { name: string; arn: string; group?: string };
export type ThingGroup = { name: string; arn: string; things: string[] };
export type ComponentSpec = {
  componentVersion?: string;
  configurationUpdate?: unknown;
  runWith?: unknown;
};

type Schedule = { thing: string; notifyAt: number; finishAt: number; fails: boolean };

export type Job = {
  jobId: string;
  jobArn: string;
  deploymentId: string;
  targetArn: string;
  createdAt: number;
  components: Record<string, ComponentSpec>;
  schedules: Schedule[];
  timeoutMs: number;
  /** When the IoT abort criteria cancel the job (fixed at creation from the schedules). */
  abortAt?: number;
  canceledAt?: number;
};

export type FleetOptions = {
  seed: string;
  deviceFailureRate: number;
  /** Virtual milliseconds a device takes to apply a deployment (min, max). */
  applyMs: [number, number];
};

export type AbortRule = { thresholdPercentage: number; minExecuted: number };

export const BASELINE_COMPONENTS: Record<string, ComponentSpec> = {
  'aws.greengrass.Nucleus': { componentVersion: '2.12.6' },
  'com.example.plant.telemetry': { componentVersion: '1.2.0' },
};

export class Fleet {
  readonly things = new Map<string, Thing>();
  readonly groups = new Map<string, ThingGroup>();
  readonly jobs = new Map<string, Job>();
  private jobsByDevice = new Map<string, Job[]>();

  constructor(
    readonly account: string,
    readonly region: string,
    private readonly options: FleetOptions,
  ) {}

  thingArn = (name: string) => `arn:aws:iot:${this.region}:${this.account}:thing/${name}`;
  groupArn = (name: string) => `arn:aws:iot:${this.region}:${this.account}:thinggroup/${name}`;

  addGroup(name: string, size: number, devicePrefix = name): ThingGroup {
    const group: ThingGroup = { name, arn: this.groupArn(name), things: [] };
    const width = Math.max(2, String(size).length);
    for (let i = 1; i <= size; i++) {
      const thing = `${devicePrefix}-${String(i).padStart(width, '0')}`;
      this.things.set(thing, { name: thing, arn: this.thingArn(thing), group: name });
      group.things.push(thing);
    }
    this.groups.set(name, group);
    return group;
  }

  /** Things a target ARN (thing or thing group) covers, or undefined if unknown. */
  resolveTarget(targetArn: string): string[] | undefined {
    const name = targetArn.slice(targetArn.indexOf('/') + 1);
    if (/:thinggroup\//.test(targetArn)) return this.groups.get(name)?.things;
    if (/:thing\//.test(targetArn)) return this.things.has(name) ? [name] : undefined;
    return undefined;
  }

  /**
   * Expands a deployment into a job: every device of the target gets a notification time
   * (the rollout rate), an apply duration and a fate (the failure rate, seeded per device
   * and deployment). A device that fails keeps what it ran (failureHandlingPolicy ROLLBACK).
   */
  createJob(input: {
    deploymentId: string;
    targetArn: string;
    components: Record<string, ComponentSpec>;
    createdAt: number;
    maximumPerMinute?: number;
    timeoutMinutes?: number;
    abort?: AbortRule;
    /** Fails no device: the baseline deployments seeded at start. */
    healthy?: boolean;
  }): Job {
    const things = this.resolveTarget(input.targetArn) ?? [];
    const perMinute = Math.max(1, input.maximumPerMinute ?? 1000);
    const [minApply, maxApply] = this.options.applyMs;
    const schedules: Schedule[] = things.map((thing, i) => {
      const notifyAt = input.createdAt + Math.floor((i / perMinute) * 60_000);
      const duration =
        minApply +
        uniform(this.options.seed, 'apply', input.deploymentId, thing) * (maxApply - minApply);
      const fails =
        !input.healthy &&
        uniform(this.options.seed, 'fail', input.deploymentId, thing) <
          this.options.deviceFailureRate;
      return { thing, notifyAt, finishAt: notifyAt + Math.round(duration), fails };
    });
    const jobId = `${input.deploymentId}-job`;
    const job: Job = {
      jobId,
      jobArn: `arn:aws:iot:${this.region}:${this.account}:job/${jobId}`,
      deploymentId: input.deploymentId,
      targetArn: input.targetArn,
      createdAt: input.createdAt,
      components: input.components,
      schedules,
      timeoutMs: (input.timeoutMinutes ?? 10080) * 60_000,
    };
    job.abortAt = input.abort ? this.abortTime(job, input.abort) : undefined;
    this.jobs.set(jobId, job);
    for (const s of schedules) {
      const list = this.jobsByDevice.get(s.thing) ?? [];
      list.push(job);
      this.jobsByDevice.set(s.thing, list);
    }
    return job;
  }

  private effectiveFinish(job: Job, s: Schedule) {
    return Math.min(s.finishAt, s.notifyAt + job.timeoutMs);
  }

  /** The first moment the failure share crosses the threshold after the minimum of executed devices. */
  private abortTime(job: Job, rule: AbortRule): number | undefined {
    const finished = [...job.schedules].sort(
      (a, b) => this.effectiveFinish(job, a) - this.effectiveFinish(job, b),
    );
    let failures = 0;
    let executed = 0;
    for (const s of finished) {
      executed++;
      if (s.fails || s.finishAt - s.notifyAt > job.timeoutMs) failures++;
      if (executed >= rule.minExecuted && (failures / executed) * 100 > rule.thresholdPercentage) {
        return this.effectiveFinish(job, s);
      }
    }
    return undefined;
  }

  cancel(job: Job, at: number) {
    job.canceledAt = Math.min(job.canceledAt ?? at, at);
  }

  /** When the job stopped (IoT abort criteria or CancelDeployment), if it did by `t`. */
  stoppedAt(job: Job, t: number): number | undefined {
    const stops = [job.abortAt, job.canceledAt].filter(
      (x): x is number => x !== undefined && x <= t,
    );
    return stops.length ? Math.min(...stops) : undefined;
  }

  executionStatus(job: Job, s: Schedule, t: number): ExecutionStatus {
    const stop = this.stoppedAt(job, t);
    const end = this.effectiveFinish(job, s);
    if (stop !== undefined && end > stop) return 'CANCELED';
    if (t < s.notifyAt) return 'QUEUED';
    if (t < end) return 'IN_PROGRESS';
    if (s.finishAt - s.notifyAt > job.timeoutMs) return 'TIMED_OUT';
    return s.fails ? 'FAILED' : 'SUCCEEDED';
  }

  counts(job: Job, t: number) {
    const c = { QUEUED: 0, IN_PROGRESS: 0, SUCCEEDED: 0, FAILED: 0, TIMED_OUT: 0, CANCELED: 0 };
    for (const s of job.schedules) c[this.executionStatus(job, s, t)]++;
    return c;
  }

  executions(job: Job, t: number, status?: ExecutionStatus) {
    return job.schedules
      .map((s) => ({
        thing: s.thing,
        status: this.executionStatus(job, s, t),
        notifyAt: s.notifyAt,
      }))
      .filter((e) => !status || e.status === status);
  }

  /** What a device runs at `t`: the components of the last deployment it applied successfully. */
  installedOn(thing: string, t: number): Record<string, ComponentSpec> {
    let latest: { at: number; job: Job } | undefined;
    for (const job of this.jobsByDevice.get(thing) ?? []) {
      const s = job.schedules.find((x) => x.thing === thing)!;
      if (this.executionStatus(job, s, t) !== 'SUCCEEDED') continue;
      const at = this.effectiveFinish(job, s);
      if (!latest || at > latest.at || (at === latest.at && job.createdAt > latest.job.createdAt))
        latest = { at, job };
    }
    return latest?.job.components ?? {};
  }
}
