import { uniform } from './random';

/**
 * The simulated fleet: things in thing groups, Greengrass deployments expanded into IoT job
 * executions, and what each device runs. Every decision (when the rollout reaches a device,
 * how long it takes, whether it fails, whether it is offline, whether its new components
 * crash later) is fixed when a deployment is created, so reading the fleet at any virtual
 * time is cheap and deterministic under the seed. See docs/local-mode.md ("Fleets like real
 * fleets") for the AWS behaviour each part follows.
 */
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
export type ThingGroup = { name: string; arn: string; account: string; things: string[] };
export type ComponentSpec = {
  componentVersion?: string;
  configurationUpdate?: unknown;
  runWith?: unknown;
};

/** Virtual milliseconds (min, max): a value is drawn uniformly in between. */
export type Range = [number, number];

/** A device is offline from `from` until `until` (virtual epoch ms; null: until told otherwise). */
export type OfflineWindow = { from: number; until: number | null };

type Schedule = {
  thing: string;
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
  components: Record<string, ComponentSpec>;
  schedules: Schedule[];
  /** The same schedules by device: a device's lookup stays O(1) in a job of 100,000. */
  scheduleOf: Map<string, Schedule>;
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
};

export const DEFAULT_FLEET_OPTIONS: Omit<FleetOptions, 'seed'> = {
  deviceFailureRate: 0,
  applyMs: [20_000, 90_000],
  notifyLatencyMs: [0, 0],
  offlineRate: 0,
  offlineMs: [10 * 60_000, 4 * 3_600_000],
  crashAfterStartRate: 0,
  crashAfterMs: [30_000, 5 * 60_000],
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

const NEVER = Number.POSITIVE_INFINITY;

const draw = (range: Range, u: number) => range[0] + u * (range[1] - range[0]);

export class Fleet {
  readonly things = new Map<string, Thing>();
  readonly groups = new Map<string, ThingGroup>();
  readonly jobs = new Map<string, Job>();
  private jobsByDevice = new Map<string, Job[]>();
  private offline = new Map<string, OfflineWindow[]>();
  /** Group → thing → when it was removed from the group. */
  private removals = new Map<string, Map<string, number>>();
  /** Bumped whenever a device's availability changes: invalidates cached abort times. */
  private version = 0;
  private abortCache = new Map<string, { version: number; at: number | undefined }>();

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

  // ---- availability

  /** Takes a device offline from `from` until `until` (null: until brought back). */
  setOffline(thing: string, from: number, until: number | null) {
    const windows = this.offline.get(thing) ?? [];
    windows.push({ from, until });
    windows.sort((a, b) => a.from - b.from);
    this.offline.set(thing, windows);
    this.version++;
  }

  /** Brings a device back at `at`: every offline window still open then ends at `at`. */
  bringOnline(thing: string, at: number) {
    for (const w of this.offline.get(thing) ?? []) {
      if (w.from <= at && (w.until === null || w.until > at)) w.until = at;
      else if (w.from > at) w.until = w.from; // a future window is dropped
    }
    this.version++;
  }

  offlineWindows(thing: string): OfflineWindow[] {
    return this.offline.get(thing) ?? [];
  }

  /** The offline window covering `t`, if any. */
  private windowAt(thing: string, t: number): OfflineWindow | undefined {
    return this.offline
      .get(thing)
      ?.find((w) => w.from <= t && (w.until === null || t < w.until) && w.from !== w.until);
  }

  isOnline(thing: string, t: number): boolean {
    return !this.windowAt(thing, t);
  }

  /** The first moment at or after `t` the device is online (Infinity if it never comes back). */
  onlineFrom(thing: string, t: number): number {
    let at = t;
    for (let w = this.windowAt(thing, at); w; w = this.windowAt(thing, at)) {
      if (w.until === null) return NEVER;
      at = w.until;
    }
    return at;
  }

  /** The last moment at or before `t` the device was online (what the cloud last heard). */
  lastOnline(thing: string, t: number): number {
    return this.windowAt(thing, t)?.from ?? t;
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
    this.version++;
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
      const added = this.schedule(
        current.deploymentId,
        thing,
        at,
        Boolean(current.healthy),
        current.downloadFailure,
      );
      current.schedules.push(added);
      current.scheduleOf.set(thing, added);
      const list = this.jobsByDevice.get(thing) ?? [];
      list.push(current);
      this.jobsByDevice.set(thing, list);
    }
    this.version++;
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
      this.schedule(
        input.deploymentId,
        thing,
        input.createdAt + Math.floor((i / perMinute) * 60_000),
        Boolean(input.healthy),
        input.downloadFailure,
      ),
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

  /** One device's fate in a deployment, drawn from the seed when the rollout reaches it. */
  private schedule(
    deploymentId: string,
    thing: string,
    slot: number,
    healthy: boolean,
    downloadFailure?: DownloadFailure,
  ): Schedule {
    const o = this.options;
    const seed = o.seed;
    const id = deploymentId;
    const exposed = !healthy && !this.things.get(thing)?.twin;
    if (
      exposed &&
      this.isOnline(thing, slot) &&
      uniform(seed, 'offline', id, thing) < o.offlineRate
    ) {
      const away = Math.round(draw(o.offlineMs, uniform(seed, 'offline-for', id, thing)));
      this.setOffline(thing, slot, slot + away);
    }
    const fails =
      Boolean(downloadFailure) ||
      (!healthy && uniform(seed, 'fail', id, thing) < o.deviceFailureRate);
    const crashes = exposed && !fails && uniform(seed, 'crash', id, thing) < o.crashAfterStartRate;
    return {
      thing,
      slot,
      latencyMs: Math.round(draw(o.notifyLatencyMs, uniform(seed, 'notify', id, thing))),
      applyMs: Math.round(draw(o.applyMs, uniform(seed, 'apply', id, thing))),
      fails,
      ...(downloadFailure ? { downloadFailure } : {}),
      crashAfterMs: crashes
        ? Math.round(draw(o.crashAfterMs, uniform(seed, 'crash-after', id, thing)))
        : undefined,
    };
  }

  /** When the device receives the job: its turn, once online, plus the notification latency. */
  notifyAt(s: Schedule): number {
    return this.onlineFrom(s.thing, s.slot) + s.latencyMs;
  }

  /** When the execution ends: applied, or timed out (the timer starts at IN_PROGRESS). */
  private effectiveFinish(job: Job, s: Schedule) {
    const notify = this.notifyAt(s);
    return notify + Math.min(s.applyMs, job.timeoutMs);
  }

  private timesOut(job: Job, s: Schedule) {
    return s.applyMs > job.timeoutMs;
  }

  /** The first moment the failure share crosses the threshold after the minimum of executed devices. */
  abortAt(job: Job): number | undefined {
    if (!job.abort) return undefined;
    const cached = this.abortCache.get(job.jobId);
    if (cached?.version === this.version) return cached.at;
    const rule = job.abort;
    const finished = job.schedules
      .map((s) => ({ s, at: this.effectiveFinish(job, s) }))
      .filter((x) => x.at < NEVER)
      .sort((a, b) => a.at - b.at);
    let failures = 0;
    let executed = 0;
    let at: number | undefined;
    for (const { s, at: end } of finished) {
      executed++;
      if (s.fails || this.timesOut(job, s)) failures++;
      if (executed >= rule.minExecuted && (failures / executed) * 100 > rule.thresholdPercentage) {
        at = end;
        break;
      }
    }
    this.abortCache.set(job.jobId, { version: this.version, at });
    return at;
  }

  cancel(job: Job, at: number) {
    job.canceledAt = Math.min(job.canceledAt ?? at, at);
  }

  /** When the job stopped (IoT abort criteria or CancelDeployment), if it did by `t`. */
  stoppedAt(job: Job, t: number): number | undefined {
    const stops = [this.abortAt(job), job.canceledAt].filter(
      (x): x is number => x !== undefined && x <= t,
    );
    return stops.length ? Math.min(...stops) : undefined;
  }

  executionStatus(job: Job, s: Schedule, t: number): ExecutionStatus {
    const notify = this.notifyAt(s);
    const end = this.effectiveFinish(job, s);
    const removed = this.removedAt(job, s.thing);
    if (removed !== undefined && removed <= t && end > removed) return 'REMOVED';
    const stop = this.stoppedAt(job, t);
    if (stop !== undefined && end > stop) return 'CANCELED';
    if (job.supersededAt !== undefined && job.supersededAt <= t && notify > job.supersededAt)
      return 'CANCELED';
    if (t < notify) return 'QUEUED';
    if (t < end) return 'IN_PROGRESS';
    if (this.timesOut(job, s)) return 'TIMED_OUT';
    return s.fails ? 'FAILED' : 'SUCCEEDED';
  }

  counts(job: Job, t: number) {
    const c = {
      QUEUED: 0,
      IN_PROGRESS: 0,
      SUCCEEDED: 0,
      FAILED: 0,
      TIMED_OUT: 0,
      CANCELED: 0,
      REMOVED: 0,
    };
    for (const s of job.schedules) c[this.executionStatus(job, s, t)]++;
    return c;
  }

  executions(job: Job, t: number, status?: ExecutionStatus) {
    return job.schedules
      .map((s) => ({
        thing: s.thing,
        status: this.executionStatus(job, s, t),
        queuedAt: s.slot,
      }))
      .filter((e) => !status || e.status === status);
  }

  /**
   * The last deployment a device applied successfully by `t`, when it finished applying it
   * (ties: the newer deployment), and the device's schedule in it.
   */
  private lastApplied(thing: string, t: number) {
    let latest: { at: number; job: Job; s: Schedule } | undefined;
    for (const job of this.jobsByDevice.get(thing) ?? []) {
      const s = job.scheduleOf.get(thing)!;
      if (this.executionStatus(job, s, t) !== 'SUCCEEDED') continue;
      const at = this.effectiveFinish(job, s);
      if (!latest || at > latest.at || (at === latest.at && job.createdAt > latest.job.createdAt))
        latest = { at, job, s };
    }
    return latest;
  }

  /** What a device runs at `t`, and whether those components have crashed by then. */
  installedState(thing: string, t: number): InstalledState {
    const latest = this.lastApplied(thing, t);
    if (!latest) return { components: {} };
    const brokenAt =
      latest.s.crashAfterMs === undefined ? undefined : latest.at + latest.s.crashAfterMs;
    return {
      components: latest.job.components,
      deploymentId: latest.job.deploymentId,
      appliedAt: latest.at,
      ...(brokenAt !== undefined && brokenAt <= t ? { brokenAt } : {}),
    };
  }

  /**
   * Every crash of a device's components by `t`, including those a later deployment (e.g. a
   * rollback) has since replaced: a deployment's components crash if the device still ran
   * them when their crash time came.
   */
  crashHistory(
    thing: string,
    t: number,
  ): { at: number; components: Record<string, ComponentSpec> }[] {
    const applied = (this.jobsByDevice.get(thing) ?? [])
      .map((job) => ({ job, s: job.scheduleOf.get(thing)! }))
      .filter(({ job, s }) => this.executionStatus(job, s, t) === 'SUCCEEDED')
      .map(({ job, s }) => ({ job, s, end: this.effectiveFinish(job, s) }))
      .sort((a, b) => a.end - b.end || a.job.createdAt - b.job.createdAt);
    return applied.flatMap(({ job, s, end }, i) => {
      if (s.crashAfterMs === undefined) return [];
      const at = end + s.crashAfterMs;
      const replaced = applied.slice(i + 1).some((later) => later.end <= at);
      return at <= t && !replaced ? [{ at, components: job.components }] : [];
    });
  }

  /**
   * Crashes, at `at`, the components a device runs (those of the last deployment it applied
   * successfully by then). False when it has applied none.
   */
  crash(thing: string, at: number): boolean {
    const latest = this.lastApplied(thing, at);
    if (!latest) return false;
    const after = at - latest.at;
    latest.s.crashAfterMs = Math.min(latest.s.crashAfterMs ?? after, after);
    return true;
  }

  /** What a device runs at `t`: the components of the last deployment it applied successfully. */
  installedOn(thing: string, t: number): Record<string, ComponentSpec> {
    return this.installedState(thing, t).components;
  }

  /**
   * Every deployment job that reached a device (newest first) with the device's execution
   * status at `t` and, for a failed download, why: what ListEffectiveDeployments reports.
   */
  deviceExecutions(thing: string, t: number) {
    return (this.jobsByDevice.get(thing) ?? [])
      .map((job) => {
        const s = job.scheduleOf.get(thing)!;
        const status = this.executionStatus(job, s, t);
        return {
          job,
          status,
          // What the device reported last: its result once it finished, else when queued.
          modifiedAt: ['QUEUED', 'IN_PROGRESS'].includes(status)
            ? s.slot
            : Math.min(t, this.effectiveFinish(job, s)),
          ...(status === 'FAILED' && s.downloadFailure
            ? { downloadFailure: s.downloadFailure }
            : {}),
        };
      })
      .sort((a, b) => b.job.createdAt - a.job.createdAt);
  }

  /**
   * Whether a device has, by `t`, successfully applied a deployment that targets the group:
   * what ListCoreDevices(thingGroupArn) lists, even after the device left the group.
   */
  everSucceededIn(thing: string, groupArn: string, t: number): boolean {
    return (this.jobsByDevice.get(thing) ?? []).some((job) => {
      if (job.targetArn !== groupArn) return false;
      const s = job.scheduleOf.get(thing)!;
      return this.executionStatus(job, s, t) === 'SUCCEEDED';
    });
  }
}
