import { DeviceAvailability } from './device-availability';
import { drawFate } from './device-fate';
import { DeviceRuns } from './device-runs';
import {
  type AbortRule,
  type ComponentSpec,
  DEFAULT_FLEET_OPTIONS,
  type DownloadFailure,
  type ExecutionStatus,
  type FleetOptions,
  type InstalledState,
  type Job,
  type OfflineWindow,
  type Schedule,
  type Thing,
  type ThingGroup,
} from './fleet-types';
import { JobTimeline } from './job-timeline';

export * from './fleet-types';

/**
 * The simulated fleet: things in thing groups, Greengrass deployments expanded into IoT job
 * executions, and what each device runs. Every decision (when the rollout reaches a device,
 * how long it takes, whether it fails, whether it is offline, whether its new components
 * crash later) is fixed when a deployment is created, so reading the fleet at any virtual
 * time is cheap and deterministic under the seed. See docs/local-mode.md ("Fleets like real
 * fleets") for the AWS behaviour each part follows.
 */
export class Fleet {
  readonly things = new Map<string, Thing>();
  readonly groups = new Map<string, ThingGroup>();
  readonly jobs = new Map<string, Job>();
  private jobsByDevice = new Map<string, Job[]>();
  /** When devices are offline; its version also counts membership changes (abort times depend on both). */
  private readonly availability = new DeviceAvailability();
  /** Group → thing → when it was removed from the group. */
  private removals = new Map<string, Map<string, number>>();
  private readonly timeline = new JobTimeline(this.availability, (job, thing) =>
    this.removedAt(job, thing),
  );
  private readonly runs = new DeviceRuns({
    jobsOf: (thing) => this.jobsByDevice.get(thing) ?? [],
    executionStatus: (job, s, t) => this.timeline.executionStatus(job, s, t),
    finishedAt: (job, s) => this.timeline.finishedAt(job, s),
  });

  /** Mutable: the emulator's control API changes rates for deployments created afterwards. */
  readonly options: FleetOptions;

  constructor(
    readonly account: string,
    readonly region: string,
    options: Partial<FleetOptions> & { seed: string },
  ) {
    this.options = { ...DEFAULT_FLEET_OPTIONS, ...options };
  }

  /** A thing's ARN, in its own account (a new thing: in `account`, default the fleet's). */
  thingArn = (name: string, account = this.things.get(name)?.account ?? this.account) =>
    `arn:aws:iot:${this.region}:${account}:thing/${name}`;
  groupArn = (name: string, account = this.account) =>
    `arn:aws:iot:${this.region}:${account}:thinggroup/${name}`;

  /**
   * Registers a thing group of `size` devices in `account`. Thing and group names are unique
   * across the emulator's accounts (the controls name devices without an account).
   */
  addGroup(
    name: string,
    size: number,
    devicePrefix = name,
    twin = false,
    account = this.account,
  ): ThingGroup {
    const taken = this.groups.get(name);
    if (taken && taken.account !== account)
      throw new Error(
        `thing group ${name} is configured in accounts ${taken.account} and ${account}: the emulator needs group names unique across accounts`,
      );
    const group: ThingGroup = { name, arn: this.groupArn(name, account), account, things: [] };
    const width = Math.max(2, String(size).length);
    for (let i = 1; i <= size; i++) {
      const thing = `${devicePrefix}-${String(i).padStart(width, '0')}`;
      this.things.set(thing, {
        name: thing,
        arn: this.thingArn(thing, account),
        account,
        group: name,
        twin,
      });
      group.things.push(thing);
    }
    this.groups.set(name, group);
    return group;
  }

  /**
   * Things a target ARN (thing or thing group) covers, or undefined if unknown: a target
   * exists only in its own account, so the ARN's account must be the one it is registered in.
   */
  resolveTarget(targetArn: string): string[] | undefined {
    const name = targetArn.slice(targetArn.indexOf('/') + 1);
    const account = targetArn.split(':')[4];
    if (/:thinggroup\//.test(targetArn)) {
      const group = this.groups.get(name);
      return group && group.account === account ? group.things : undefined;
    }
    if (/:thing\//.test(targetArn))
      return this.things.get(name)?.account === account ? [name] : undefined;
    return undefined;
  }

  /** The account a thing is registered in (undefined: no such thing). */
  accountOf(thing: string): string | undefined {
    return this.things.get(thing)?.account;
  }

  // ---- availability (device-availability.ts)

  setOffline(thing: string, from: number, until: number | null) {
    this.availability.setOffline(thing, from, until);
  }
  bringOnline(thing: string, at: number) {
    this.availability.bringOnline(thing, at);
  }
  offlineWindows(thing: string): OfflineWindow[] {
    return this.availability.offlineWindows(thing);
  }
  isOnline(thing: string, t: number): boolean {
    return this.availability.isOnline(thing, t);
  }
  lastOnline(thing: string, t: number): number {
    return this.availability.lastOnline(thing, t);
  }

  // ---- group membership

  /**
   * Removes a thing from a thing group at `at`. Pending executions of the group's
   * deployments end REMOVED (numberOfRemovedThings: "no longer scheduled to execute the job
   * because they have been ... removed from the group that was a target of the job",
   * API_JobProcessDetails); what the device already applied stays, and
   * ListCoreDevices(thingGroupArn) keeps listing it (see everSucceededIn).
   */
  removeFromGroup(thing: string, groupName: string, at: number) {
    const group = this.groups.get(groupName);
    if (!group?.things.includes(thing)) return false;
    group.things = group.things.filter((t) => t !== thing);
    const thingRecord = this.things.get(thing);
    if (thingRecord?.group === groupName) thingRecord.group = undefined;
    const removed = this.removals.get(groupName) ?? new Map<string, number>();
    removed.set(thing, at);
    this.removals.set(groupName, removed);
    this.availability.version++;
    return true;
  }

  /**
   * Adds a thing (created if new) to a thing group at `at`. Greengrass thing-group
   * deployments are continuous jobs: "a job will run on a thing when the thing is added to a
   * target group, even after the job was completed by all things originally in the group"
   * (API_JobSummary, targetSelection), so the device receives the group's current deployment.
   */
  addToGroup(thing: string, groupName: string, at: number) {
    const group = this.groups.get(groupName);
    if (!group || group.things.includes(thing)) return false;
    const twin = group.things.some((t) => this.things.get(t)?.twin);
    // A new thing is registered in the group's account.
    const record = this.things.get(thing) ?? {
      name: thing,
      arn: this.thingArn(thing, group.account),
      account: group.account,
      twin,
    };
    record.group = groupName;
    this.things.set(thing, record);
    group.things.push(thing);
    this.removals.get(groupName)?.delete(thing);
    const current = [...this.jobs.values()].find(
      (j) => j.targetArn === group.arn && j.supersededAt === undefined,
    );
    if (current && !current.scheduleOf.has(thing)) {
      const added = this.fate(thing, {
        id: current.deploymentId,
        slot: at,
        healthy: Boolean(current.healthy),
        downloadFailure: current.downloadFailure,
      });
      current.schedules.push(added);
      current.scheduleOf.set(thing, added);
      const list = this.jobsByDevice.get(thing) ?? [];
      list.push(current);
      this.jobsByDevice.set(thing, list);
    }
    this.availability.version++;
    return true;
  }

  private removedAt(job: Job, thing: string): number | undefined {
    if (!/:thinggroup\//.test(job.targetArn)) return undefined;
    const group = job.targetArn.slice(job.targetArn.indexOf('/') + 1);
    return this.removals.get(group)?.get(thing);
  }

  // ---- deployments

  /**
   * Expands a deployment into a job. Every device of the target gets its turn in the rollout
   * (maximumPerMinute), a notification latency, an apply duration and a fate (failure,
   * crash after start), seeded per device and deployment. A fleet device may be found
   * offline: it stays offline for a while (a window recorded for the device, so later
   * deployments see it too) and its execution stays QUEUED until it is back.
   * A device that fails keeps what it ran (failureHandlingPolicy ROLLBACK).
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
    /** Fails every device: an artifact the target account's devices cannot download. */
    downloadFailure?: DownloadFailure;
  }): Job {
    const things = this.resolveTarget(input.targetArn) ?? [];
    const perMinute = Math.max(1, input.maximumPerMinute ?? 1000);
    const schedules = things.map((thing, i) =>
      this.fate(thing, {
        id: input.deploymentId,
        slot: input.createdAt + Math.floor((i / perMinute) * 60_000),
        healthy: Boolean(input.healthy),
        downloadFailure: input.downloadFailure,
      }),
    );
    // One active deployment per target: the previous one's executions that have not
    // started yet never will (Greengrass "Revise deployments").
    for (const previous of this.jobs.values()) {
      if (previous.targetArn === input.targetArn && previous.supersededAt === undefined)
        previous.supersededAt = input.createdAt;
    }
    const jobId = `${input.deploymentId}-job`;
    // Greengrass creates the deployment's job in the target's account.
    const account = input.targetArn.split(':')[4] ?? this.account;
    const job: Job = {
      jobId,
      jobArn: `arn:aws:iot:${this.region}:${account}:job/${jobId}`,
      account,
      deploymentId: input.deploymentId,
      targetArn: input.targetArn,
      createdAt: input.createdAt,
      components: input.components,
      schedules,
      scheduleOf: new Map(schedules.map((s) => [s.thing, s])),
      timeoutMs: (input.timeoutMinutes ?? 10080) * 60_000,
      abort: input.abort,
      healthy: input.healthy,
      downloadFailure: input.downloadFailure,
    };
    this.jobs.set(jobId, job);
    for (const s of schedules) {
      const list = this.jobsByDevice.get(s.thing) ?? [];
      list.push(job);
      this.jobsByDevice.set(s.thing, list);
    }
    return job;
  }

  /** One device's fate in a deployment (device-fate.ts). */
  private fate(thing: string, deployment: Parameters<typeof drawFate>[3]): Schedule {
    const device = { thing, twin: Boolean(this.things.get(thing)?.twin) };
    return drawFate(this.options, this.availability, device, deployment);
  }

  // ---- job status (job-timeline.ts)

  counts(job: Job, t: number) {
    return this.timeline.counts(job, t);
  }
  executions(job: Job, t: number, status?: ExecutionStatus) {
    return this.timeline.executions(job, t, status);
  }
  stoppedAt(job: Job, t: number): number | undefined {
    return this.timeline.stoppedAt(job, t);
  }
  /** When the job's abort criteria cancel it, if they will (as the devices stand now). */
  abortAt(job: Job): number | undefined {
    return this.timeline.abortAt(job);
  }
  cancel(job: Job, at: number) {
    this.timeline.cancel(job, at);
  }

  // ---- what devices run (device-runs.ts)

  installedState(thing: string, t: number): InstalledState {
    return this.runs.installedState(thing, t);
  }
  /** What a device runs at `t`: the components of the last deployment it applied successfully. */
  installedOn(thing: string, t: number): Record<string, ComponentSpec> {
    return this.runs.installedState(thing, t).components;
  }
  crashHistory(thing: string, t: number) {
    return this.runs.crashHistory(thing, t);
  }
  crash(thing: string, at: number): boolean {
    return this.runs.crash(thing, at);
  }
  deviceExecutions(thing: string, t: number) {
    return this.runs.deviceExecutions(thing, t);
  }
  everSucceededIn(thing: string, groupArn: string, t: number): boolean {
    return this.runs.everSucceededIn(thing, groupArn, t);
  }
}
