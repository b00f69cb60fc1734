import { DeviceAvailability } from './device-availability';
import { drawFate } from './device-fate';
import { DeviceRuns } from './device-runs';
import { type CohortJob, CohortTimeline, turnOf } from './fleet-cohorts';
import { FleetGroup, ThingRegistry } from './fleet-groups';
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
} from './fleet-types';
import { JobTimeline } from './job-timeline';
import { type ExponentialRate, rolloutLadder } from './rollout-ladder';

export * from './fleet-types';

/** Where a listing of things resumes: registry entry, cohort, device of the cohort. */
export type ListCursor = { e: number; r: number; k: number };
export { FleetGroup } from './fleet-groups';

/**
 * The simulated fleet: things in thing groups, Greengrass deployments expanded into IoT job
 * executions, and what each device runs. Every decision (when the rollout reaches a device,
 * how long it takes, whether it fails, whether it is offline, whether its new components
 * crash later) is fixed when a deployment is created, so reading the fleet at any virtual
 * time is cheap and deterministic under the seed. See docs/local-mode.md ("Fleets like real
 * fleets") for the AWS behaviour each part follows.
 */
export class Fleet {
  readonly groups = new Map<string, FleetGroup>();
  /** Every thing: provisioned group devices are computed from their group, not held. */
  readonly things = new ThingRegistry(this.groups);
  readonly jobs = new Map<string, Job>();
  /** The jobs of devices held one by one (thing targets, joined, held individually). */
  private jobsByDevice = new Map<string, Job[]>();
  /** Each group's deployment jobs with cohorts, oldest first. */
  private jobsByGroup = new Map<string, CohortJob[]>();
  /** When devices are offline; its version also counts membership changes (abort times depend on both). */
  private readonly availability = new DeviceAvailability();
  /** Group → thing → when it was removed from the group. */
  private removals = new Map<string, Map<string, number>>();
  /** Provisioned devices in cohorts (fleet-cohorts.ts). */
  readonly cohorts = new CohortTimeline(
    (group) => this.jobsByGroup.get(group.name) ?? [],
    () => this.availability.version,
  );
  private readonly timeline = new JobTimeline(
    this.availability,
    (job, thing) => this.removedAt(job, thing),
    this.cohorts,
  );
  private readonly runs = new DeviceRuns({
    jobsOf: (thing) => this.jobsOf(thing),
    scheduleIn: (job, thing) => this.scheduleIn(job, thing),
    executionStatus: (job, s, t) => this.timeline.executionStatus(job, s, t),
    finishedAt: (job, s) => this.timeline.finishedAt(job, s),
  });
  /** Provisioned devices held one by one since a control or a removal named them. */
  materialised = 0;

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
  ): FleetGroup {
    const taken = this.groups.get(name);
    if (taken && taken.account !== account)
      throw new Error(
        `thing group ${name} is configured in accounts ${taken.account} and ${account}: the emulator needs group names unique across accounts`,
      );
    const group = new FleetGroup(
      name,
      this.groupArn(name, account),
      account,
      size,
      devicePrefix,
      twin,
      Math.max(1, this.options.cohorts),
    );
    this.groups.set(name, group);
    this.things.addGroup(group);
    return group;
  }

  /**
   * Things a target ARN (thing or thing group) covers, or undefined if unknown: a target
   * exists only in its own account, so the ARN's account must be the one it is registered in.
   * Names every device of a group: for small fleets and tests (targetExists names none).
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

  /** Whether a target ARN (thing or thing group) exists in its account; names no device. */
  targetExists(targetArn: string): boolean {
    const name = targetArn.slice(targetArn.indexOf('/') + 1);
    const account = targetArn.split(':')[4];
    if (/:thinggroup\//.test(targetArn)) return this.groups.get(name)?.account === account;
    if (/:thing\//.test(targetArn)) return this.things.get(name)?.account === account;
    return false;
  }

  /** The account a thing is registered in (undefined: no such thing). */
  accountOf(thing: string): string | undefined {
    return this.things.get(thing)?.account;
  }

  // ---- availability (device-availability.ts)

  setOffline(thing: string, from: number, until: number | null) {
    this.materialise(thing);
    this.availability.setOffline(thing, from, until);
  }
  bringOnline(thing: string, at: number) {
    this.materialise(thing);
    this.availability.bringOnline(thing, at);
  }
  offlineWindows(thing: string): OfflineWindow[] {
    const p = this.inCohort(thing);
    return p ? this.cohorts.windowsOf(p.group, p.index) : this.availability.offlineWindows(thing);
  }
  isOnline(thing: string, t: number): boolean {
    const p = this.inCohort(thing);
    if (!p) return this.availability.isOnline(thing, t);
    return !this.cohortWindowAt(p, t);
  }
  lastOnline(thing: string, t: number): number {
    const p = this.inCohort(thing);
    if (!p) return this.availability.lastOnline(thing, t);
    return this.cohortWindowAt(p, t)?.from ?? t;
  }

  private cohortWindowAt(p: { group: FleetGroup; index: number }, t: number) {
    return this.cohorts
      .windowsOf(p.group, p.index)
      .find((w) => w.from <= t && (w.until === null || t < w.until) && w.from !== w.until);
  }

  /** A provisioned device still in its cohorts (not held one by one), with its group and index. */
  private inCohort(thing: string) {
    const p = this.things.provisioned(thing);
    return p && !p.group.individual.has(p.index) ? p : undefined;
  }

  /**
   * Holds a provisioned device one by one from now on: its schedule in each of its group's
   * jobs and its offline windows are copied from its cohort, so nothing about it changes,
   * and a control (offline, online, crash, removal) can then change it alone. Later
   * deployments draw its fate by its own name.
   */
  materialise(thing: string) {
    const p = this.inCohort(thing);
    if (!p) return;
    const windows = this.cohorts.windowsOf(p.group, p.index);
    for (const job of this.jobsByGroup.get(p.group.name) ?? []) {
      if (job.cohorts.absent.has(p.index)) continue;
      this.hold(job, this.cohorts.scheduleOf(job, p.index, false));
    }
    for (const w of windows) this.availability.setOffline(thing, w.from, w.until);
    p.group.individual.add(p.index);
    this.materialised++;
    this.availability.version++;
  }

  private hold(job: Job, s: Schedule) {
    job.schedules.push(s);
    job.scheduleOf.set(s.thing, s);
    const list = this.jobsByDevice.get(s.thing) ?? [];
    list.push(job);
    this.jobsByDevice.set(s.thing, list);
  }

  /** The jobs that reached a device, oldest first. */
  private jobsOf(thing: string): Job[] {
    const p = this.inCohort(thing);
    if (!p) return this.jobsByDevice.get(thing) ?? [];
    return (this.jobsByGroup.get(p.group.name) ?? []).filter(
      (job) => !job.cohorts.absent.has(p.index),
    );
  }

  /** A device's schedule in one of its jobs: held, or computed from its cohort. */
  private scheduleIn(job: Job, thing: string): Schedule {
    const held = job.scheduleOf.get(thing);
    if (held) return held;
    const i = job.cohorts!.group.indexOf(thing)!;
    return this.cohorts.scheduleOf(job as CohortJob, i, true);
  }

  /**
   * Things in listing order from a cursor on: each entry of the registry in turn, a group's
   * provisioned devices cohort by cohort (so with no more devices than cohorts, by name).
   * `group`: that group's provisioned devices, then every thing held one by one (those
   * that joined a group). `mayBreak`: skips cohorts whose components crash in no deployment
   * (devices held one by one are still listed). `eventful`: in groups of more devices than
   * cohorts, skips cohorts never offline nor crashing. Nothing but the devices walked is computed.
   */
  *listing(
    from: ListCursor | undefined,
    only: { group?: FleetGroup; mayBreak?: boolean; eventful?: boolean } = {},
  ): Generator<{ thing: string; cursor: ListCursor }> {
    const entries = only.group
      ? [
          { group: only.group },
          ...[...this.things.heldNames()]
            .filter((name) => only.group!.indexOf(name) === undefined)
            .map((thing) => ({ thing })),
        ]
      : this.things.entries();
    const start = from ?? { e: 0, r: 0, k: 0 };
    for (let e = start.e; e < entries.length; e++) {
      const entry = entries[e]!;
      if ('thing' in entry) {
        if (e > start.e || start.r === 0) yield { thing: entry.thing, cursor: { e, r: 0, k: 0 } };
        continue;
      }
      const g = entry.group;
      const count = Math.min(g.size, g.cohorts);
      const jobs = this.jobsByGroup.get(g.name) ?? [];
      for (let r = e === start.e ? start.r : 0; r < count; r++) {
        const draws = jobs.map((job) => job.cohorts.draws[r]);
        const breaks =
          (!only.mayBreak || draws.some((d) => d?.crashAfterMs !== undefined)) &&
          (!only.eventful ||
            g.size <= g.cohorts ||
            draws.some((d) => d?.crashAfterMs !== undefined || d?.offline));
        const n = CohortTimeline.sizeOf(g, count, r);
        for (let k = e === start.e && r === start.r ? start.k : 0; k < n; k++) {
          const i = r + k * count;
          if (!breaks && !g.individual.has(i)) continue;
          yield { thing: g.nameOf(i), cursor: { e, r, k } };
        }
      }
    }
  }

  /** Devices whose schedule was computed one by one (held, or read from their cohort). */
  get deviceViews(): number {
    return this.cohorts.deviceViews;
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
    if (!group?.has(thing)) return false;
    this.materialise(thing);
    const i = group.indexOf(thing);
    if (i !== undefined && !group.removed.has(i)) group.removed.add(i);
    else group.joined.splice(group.joined.indexOf(thing), 1);
    const record = this.things.get(thing);
    if (record?.group === groupName) record.group = undefined;
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
    if (!group || group.has(thing)) return false;
    this.materialise(thing);
    const known = this.things.get(thing);
    // A new thing is registered in the group's account.
    const record = {
      ...(known ?? {
        name: thing,
        arn: this.thingArn(thing, group.account),
        account: group.account,
      }),
      twin: known?.twin ?? group.twin,
      group: groupName,
    };
    this.things.set(thing, record);
    group.joined.push(thing);
    this.removals.get(groupName)?.delete(thing);
    const current = [...this.jobs.values()].find(
      (j) => j.targetArn === group.arn && j.supersededAt === undefined,
    );
    if (current && !current.scheduleOf.has(thing)) {
      this.hold(
        current,
        this.fate(
          thing,
          {
            id: current.deploymentId,
            slot: at,
            healthy: Boolean(current.healthy),
            downloadFailure: current.downloadFailure,
          },
          group.size + group.joined.length - 1,
        ),
      );
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
   * (maximumPerMinute, after the exponential ramp if there is one: rollout-ladder.ts), a notification latency, an apply duration and a fate (failure,
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
    exponentialRate?: ExponentialRate;
    timeoutMinutes?: number;
    abort?: AbortRule;
    /** Fails no device: the baseline deployments seeded at start. */
    healthy?: boolean;
    /** Fails every device: an artifact the target account's devices cannot download. */
    downloadFailure?: DownloadFailure;
  }): Job {
    const perMinute = Math.max(1, input.maximumPerMinute ?? 1000);
    // Whole virtual milliseconds: cohort times are counted in integers.
    const createdAt = Math.round(input.createdAt);
    const groupName = input.targetArn.slice(input.targetArn.indexOf('/') + 1);
    const group = /:thinggroup\//.test(input.targetArn) ? this.groups.get(groupName) : undefined;
    const deployment = {
      id: input.deploymentId,
      healthy: Boolean(input.healthy),
      downloadFailure: input.downloadFailure,
    };
    // One active deployment per target: the previous one's executions that have not
    // started yet never will (Greengrass "Revise deployments").
    for (const previous of this.jobs.values()) {
      if (previous.targetArn === input.targetArn && previous.supersededAt === undefined)
        previous.supersededAt = createdAt;
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
      createdAt,
      perMinute,
      ladder: rolloutLadder(perMinute, input.exponentialRate),
      components: input.components,
      schedules: [],
      scheduleOf: new Map(),
      timeoutMs: (input.timeoutMinutes ?? 10080) * 60_000,
      abort: input.abort,
      healthy: input.healthy,
      downloadFailure: input.downloadFailure,
    };
    this.jobs.set(jobId, job);
    const slotAt = (position: number) => turnOf(job, position);
    if (group && group.account === account) {
      job.cohorts = {
        group,
        draws: CohortTimeline.draws(this.options, group, deployment),
        absent: new Set(group.removed),
      };
      const list = this.jobsByGroup.get(group.name) ?? [];
      list.push(job as CohortJob);
      this.jobsByGroup.set(group.name, list);
      // Devices held one by one draw their own fate, in their place of the rollout.
      for (const i of [...group.individual].sort((a, b) => a - b)) {
        if (group.removed.has(i)) continue;
        this.hold(job, this.fate(group.nameOf(i), { ...deployment, slot: slotAt(i) }, i));
      }
      group.joined.forEach((thing, j) => {
        const position = group.size + j;
        this.hold(job, this.fate(thing, { ...deployment, slot: slotAt(position) }, position));
      });
    } else if (
      /:thing\//.test(input.targetArn) &&
      this.things.get(groupName)?.account === account
    ) {
      this.materialise(groupName);
      this.hold(job, this.fate(groupName, { ...deployment, slot: slotAt(0) }, 0));
    }
    this.availability.version++;
    return job;
  }

  /** One device's fate in a deployment (device-fate.ts). */
  private fate(
    thing: string,
    deployment: Parameters<typeof drawFate>[3],
    position?: number,
  ): Schedule {
    const device = { thing, twin: Boolean(this.things.get(thing)?.twin) };
    return drawFate(this.options, this.availability, device, deployment, position);
  }

  // ---- job status (job-timeline.ts)

  counts(job: Job, t: number) {
    return this.timeline.counts(job, t);
  }
  executions(job: Job, t: number, status?: ExecutionStatus) {
    return this.timeline.executions(job, t, status);
  }
  /** A page of a job's executions (ListJobExecutionsForJob): only its devices are computed. */
  executionsPage(
    job: Job,
    t: number,
    status: ExecutionStatus | undefined,
    token: string | undefined,
    max: number,
  ) {
    return this.timeline.executionsPage(job, t, status, token, max);
  }
  /** How many devices the job reaches (every execution, whatever its status). */
  executionCount(job: Job): number {
    let n = job.schedules.length;
    if (job.cohorts) {
      n += job.cohorts.group.size;
      for (const i of this.cohorts.excluded(job as CohortJob)) if (i < job.cohorts.group.size) n--;
    }
    return n;
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
    this.materialise(thing);
    return this.runs.crash(thing, at);
  }
  deviceExecutions(thing: string, t: number) {
    return this.runs.deviceExecutions(thing, t);
  }
  everSucceededIn(thing: string, groupArn: string, t: number): boolean {
    return this.runs.everSucceededIn(thing, groupArn, t);
  }
}
