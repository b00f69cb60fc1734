import { type DeviceAvailability, NEVER } from './device-availability';
import type { ExecutionStatus, Job, Schedule } from './fleet-types';

/**
 * Where each device's execution of a deployment job stands at a virtual time, from the
 * schedule fixed when the job was created: QUEUED until the device is notified (its turn,
 * once online), IN_PROGRESS while it applies, then SUCCEEDED, FAILED or TIMED_OUT; CANCELED
 * when the job stopped (abort criteria, CancelDeployment) or a newer deployment replaced it
 * first; REMOVED when the device left the target group first.
 */
export class JobTimeline {
  private readonly abortCache = new Map<string, { version: number; at: number | undefined }>();

  constructor(
    private readonly availability: DeviceAvailability,
    /** When a device left the job's target group (undefined: it did not). */
    private readonly removedAt: (job: Job, thing: string) => number | undefined,
  ) {}

  /** When the device receives the job: its turn, once online, plus the notification latency. */
  notifyAt(s: Schedule): number {
    return this.availability.onlineFrom(s.thing, s.slot) + s.latencyMs;
  }

  /** When the execution ends: applied, or timed out (the timer starts at IN_PROGRESS). */
  finishedAt(job: Job, s: Schedule) {
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
    if (cached?.version === this.availability.version) return cached.at;
    const rule = job.abort;
    const finished = job.schedules
      .map((s) => ({ s, at: this.finishedAt(job, s) }))
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
    this.abortCache.set(job.jobId, { version: this.availability.version, at });
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
    const end = this.finishedAt(job, s);
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
}
