import type { ComponentSpec, ExecutionStatus, InstalledState, Job, Schedule } from './fleet-types';

/** What the fleet's deployment timeline says of one device's executions. */
export type DeviceTimeline = {
  jobsOf: (thing: string) => Job[];
  /** The device's schedule in one of its jobs (held, or computed from its cohort). */
  scheduleIn: (job: Job, thing: string) => Schedule;
  executionStatus: (job: Job, s: Schedule, t: number) => ExecutionStatus;
  /** When the device's execution ends: applied, or timed out. */
  finishedAt: (job: Job, s: Schedule) => number;
};

/**
 * What a device runs, ran and reported, read from the deployments that reached it: the
 * components of the last deployment it applied successfully, their crashes, and its
 * executions as ListEffectiveDeployments reports them.
 */
export class DeviceRuns {
  constructor(private readonly timeline: DeviceTimeline) {}

  /** The device's successful executions by `t`, each with when it finished applying. */
  private applied(thing: string, t: number) {
    const { timeline } = this;
    return timeline
      .jobsOf(thing)
      .map((job) => ({ job, s: timeline.scheduleIn(job, thing) }))
      .filter(({ job, s }) => timeline.executionStatus(job, s, t) === 'SUCCEEDED')
      .map(({ job, s }) => ({ job, s, at: timeline.finishedAt(job, s) }));
  }

  /**
   * The last deployment a device applied successfully by `t`, when it finished applying it
   * (ties: the newer deployment), and the device's schedule in it.
   */
  private lastApplied(thing: string, t: number) {
    let latest: { at: number; job: Job; s: Schedule } | undefined;
    for (const run of this.applied(thing, t)) {
      if (
        !latest ||
        run.at > latest.at ||
        (run.at === latest.at && run.job.createdAt > latest.job.createdAt)
      )
        latest = run;
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
    const applied = this.applied(thing, t).sort(
      (a, b) => a.at - b.at || a.job.createdAt - b.job.createdAt,
    );
    return applied.flatMap(({ job, s, at: end }, i) => {
      if (s.crashAfterMs === undefined) return [];
      const at = end + s.crashAfterMs;
      const replaced = applied.slice(i + 1).some((later) => later.at <= at);
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

  /**
   * Every deployment job that reached a device (newest first) with the device's execution
   * status at `t` and, for a failed download, why: what ListEffectiveDeployments reports.
   */
  deviceExecutions(thing: string, t: number) {
    const { timeline } = this;
    return timeline
      .jobsOf(thing)
      .map((job) => {
        const s = timeline.scheduleIn(job, thing);
        const status = timeline.executionStatus(job, s, t);
        return {
          job,
          status,
          // What the device reported last: its result once it finished, else when queued.
          modifiedAt: ['QUEUED', 'IN_PROGRESS'].includes(status)
            ? s.slot
            : Math.min(t, timeline.finishedAt(job, s)),
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
    return this.timeline.jobsOf(thing).some((job) => {
      if (job.targetArn !== groupArn) return false;
      const s = this.timeline.scheduleIn(job, thing);
      return this.timeline.executionStatus(job, s, t) === 'SUCCEEDED';
    });
  }
}
