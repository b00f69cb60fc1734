import { type DeviceAvailability, NEVER } from './device-availability';
import {
  type CohortJob,
  type CohortTimeline,
  classify,
  finalStatus,
  type StatusCounts,
  turnOf,
  zeroCounts,
} from './fleet-cohorts';
import type { ExecutionStatus, Job, Schedule } from './fleet-types';

/**
 * Where each device's execution of a deployment job stands at a virtual time, from the
 * schedule fixed when the job was created: QUEUED until the device is notified (its turn,
 * once online), IN_PROGRESS while it applies, then SUCCEEDED, FAILED or TIMED_OUT; CANCELED
 * when the job stopped (abort criteria, CancelDeployment) or a newer deployment replaced it
 * first; REMOVED when the device left the target group first. A thing group's provisioned
 * devices are counted by cohort (fleet-cohorts.ts), devices held one by one here.
 */
export class JobTimeline {
  private readonly abortCache = new Map<string, { version: number; at: number | undefined }>();

  constructor(
    private readonly availability: DeviceAvailability,
    /** When a device left the job's target group (undefined: it did not). */
    private readonly removedAt: (job: Job, thing: string) => number | undefined,
    private readonly cohorts: CohortTimeline,
  ) {}

  /** When the device receives the job: its turn, once online, plus the notification latency. */
  notifyAt(s: Schedule): number {
    if (s.notifyAt !== undefined) return s.notifyAt;
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

  /** Every execution's end in time order (ties: rollout order), cohorts and held devices merged. */
  private *ends(job: Job): Generator<{ at: number; failed: boolean }> {
    const held = job.schedules
      .map((s, n) => ({
        at: this.finishedAt(job, s),
        position: s.position ?? Number.MAX_SAFE_INTEGER - job.schedules.length + n,
        failed: s.fails || this.timesOut(job, s),
      }))
      .filter((x) => x.at < NEVER)
      .sort((a, b) => a.at - b.at || a.position - b.position);
    let next = 0;
    if (job.cohorts) {
      for (const e of this.cohorts.ends(job as CohortJob)) {
        while (
          next < held.length &&
          (held[next]!.at < e.at || (held[next]!.at === e.at && held[next]!.position < e.position))
        )
          yield held[next++]!;
        yield e;
      }
    }
    while (next < held.length) yield held[next++]!;
  }

  /** The first moment the failure share crosses the threshold after the minimum of executed devices. */
  abortAt(job: Job): number | undefined {
    if (!job.abort) return undefined;
    const cached = this.abortCache.get(job.jobId);
    if (cached?.version === this.availability.version) return cached.at;
    const rule = job.abort;
    const anyFailure =
      job.schedules.some((s) => s.fails || this.timesOut(job, s)) ||
      (job.cohorts?.draws.some((d) => finalStatus(job, d) !== 'SUCCEEDED') ?? false);
    let failures = 0;
    let executed = 0;
    let at: number | undefined;
    if (anyFailure) {
      for (const { at: end, failed } of this.ends(job)) {
        executed++;
        if (failed) failures++;
        if (
          executed >= rule.minExecuted &&
          (failures / executed) * 100 > rule.thresholdPercentage
        ) {
          at = end;
          break;
        }
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
    return classify(
      notify,
      end - notify,
      finalStatus(job, s),
      t,
      this.stoppedAt(job, t),
      job.supersededAt,
    );
  }

  counts(job: Job, t: number): StatusCounts {
    const c = job.cohorts
      ? this.cohorts.counts(job as CohortJob, t, this.stoppedAt(job, t))
      : zeroCounts();
    for (const s of job.schedules) c[this.executionStatus(job, s, t)]++;
    return c;
  }

  /** Every execution (one record per device: for small jobs; pages use executionsPage). */
  executions(job: Job, t: number, status?: ExecutionStatus) {
    return this.executionsPage(job, t, status, undefined, Number.MAX_SAFE_INTEGER).items;
  }

  /**
   * A page of executions, in cohort order then the devices held one by one (a provisioned
   * device held individually keeps its cohort place): only the page's devices are computed.
   * The token says where the next page starts.
   */
  executionsPage(
    job: Job,
    t: number,
    status: ExecutionStatus | undefined,
    token: string | undefined,
    max: number,
  ) {
    const items: { thing: string; status: ExecutionStatus; queuedAt: number }[] = [];
    const from = token
      ? (JSON.parse(token) as { r: number; k: number } | { held: number })
      : { r: 0, k: 0 };
    const stop = this.stoppedAt(job, t);
    const group = job.cohorts?.group;
    const heldProvisioned = new Map<number, Schedule>();
    const heldOthers: Schedule[] = [];
    for (const s of job.schedules) {
      const i = group?.indexOf(s.thing);
      if (i !== undefined && group!.individual.has(i)) heldProvisioned.set(i, s);
      else heldOthers.push(s);
    }
    if (job.cohorts && 'r' in from) {
      const count = job.cohorts.draws.length;
      const heldByCohort = new Map<number, number[]>();
      for (const i of [...heldProvisioned.keys()].sort((a, b) => a - b)) {
        const list = heldByCohort.get(i % count) ?? [];
        list.push(i);
        heldByCohort.set(i % count, list);
      }
      for (let r = from.r; r < count; r++) {
        const fromK = r === from.r ? from.k : 0;
        const held = (heldByCohort.get(r) ?? []).filter((i) => Math.floor(i / count) >= fromK);
        const cohort = this.cohorts.devicesIn(job as CohortJob, r, t, stop, status, fromK);
        let next = cohort.next();
        // Merged in k order: a held device keeps its place in its cohort.
        while (!next.done || held.length) {
          const heldK = held.length ? Math.floor(held[0]! / count) : Number.POSITIVE_INFINITY;
          const fromCohort = !next.done && next.value.k < heldK;
          const k = fromCohort ? next.value!.k : heldK;
          let entry: { thing: string; status: ExecutionStatus; queuedAt: number } | undefined;
          if (fromCohort) {
            const e = next.value!;
            entry = {
              thing: job.cohorts.group.nameOf(e.i),
              status: e.status,
              queuedAt: turnOf(job, e.i),
            };
            next = cohort.next();
          } else {
            const s = heldProvisioned.get(held.shift()!)!;
            const st = this.executionStatus(job, s, t);
            if (!status || st === status) entry = { thing: s.thing, status: st, queuedAt: s.slot };
          }
          if (!entry) continue;
          if (items.length >= max) return { items, nextToken: JSON.stringify({ r, k }) };
          items.push(entry);
        }
      }
    }
    const start = 'held' in from ? from.held : 0;
    for (let n = start; n < heldOthers.length; n++) {
      const s = heldOthers[n]!;
      const st = this.executionStatus(job, s, t);
      if (status && st !== status) continue;
      if (items.length >= max) return { items, nextToken: JSON.stringify({ held: n }) };
      items.push({ thing: s.thing, status: st, queuedAt: s.slot });
    }
    return { items, nextToken: undefined as string | undefined };
  }
}
