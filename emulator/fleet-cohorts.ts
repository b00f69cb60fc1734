import { NEVER } from './device-availability';
import { type CohortDraw, drawCohort } from './device-fate';
import type { FleetGroup } from './fleet-groups';
import type { ExecutionStatus, FleetOptions, Job, OfflineWindow, Schedule } from './fleet-types';
import { turnOffsetMs } from './rollout-ladder';

/**
 * The provisioned devices of a thing group in cohorts: device i is in cohort i mod C
 * (C = min(group size, the fleet's `cohorts`)). In each deployment job the devices of a cohort
 * share one seeded fate — notification latency, apply time, failure, offline time, crash —
 * drawn for the cohort's first device, and the rollout reaches them at their own turn:
 * device i at createdAt + floor(i · 60,000 / maximumPerMinute). So a cohort's execution
 * times are its turns plus a constant, and how many of its devices are queued, in progress,
 * succeeded, failed or canceled at a time is counted arithmetically from the rollout rate
 * and the time: a status read costs the same for 10 devices as for 100,000. With C devices
 * or fewer every device is its own cohort, with the fate it always had.
 *
 * A cohort whose devices went offline in another deployment of the group (an earlier one's
 * window may still cover a later one's turn) is "irregular": its devices' times are computed
 * one by one, as are devices held individually (Fleet.materialise: device controls, removal).
 */
export type JobCohorts = {
  group: FleetGroup;
  draws: CohortDraw[];
  /** Provisioned devices (by index) not in the job: removed from the group before it. */
  absent: Set<number>;
};

export type CohortJob = Job & { cohorts: JobCohorts };

const MINUTE = 60_000;

/** ⌈a / b⌉ for integers, exact (b > 0). */
const ceilDiv = (a: number, b: number) => {
  let q = Math.ceil(a / b);
  while ((q - 1) * b >= a) q--;
  while (q * b < a) q++;
  return q;
};

/** When the rollout reaches the device at `position` of a job. */
export const turnOf = (job: Job, position: number) =>
  job.createdAt + turnOffsetMs(job.perMinute, job.ladder, position);

/**
 * How many devices of regular cohort r have their turn within y ms of the job's creation
 * under an exponential ramp: turns still grow with k, so search for the first later one.
 */
const notifiedOnLadder = (job: CohortJob, r: number, n: number, y: number) => {
  const count = job.cohorts.draws.length;
  let low = 0;
  let high = n;
  while (low < high) {
    const k = (low + high) >>> 1;
    if (turnOffsetMs(job.perMinute, job.ladder, r + k * count) <= y) low = k + 1;
    else high = k;
  }
  return low;
};

/** An execution's status from when it is notified (x) and how long it runs. */
export const classify = (
  x: number,
  runMs: number,
  final: ExecutionStatus,
  t: number,
  stop: number | undefined,
  superseded: number | undefined,
): ExecutionStatus => {
  const end = x + runMs;
  if (stop !== undefined && end > stop) return 'CANCELED';
  if (superseded !== undefined && superseded <= t && x > superseded) return 'CANCELED';
  if (t < x) return 'QUEUED';
  if (t < end) return 'IN_PROGRESS';
  return final;
};

export const finalStatus = (job: Job, d: { fails: boolean; applyMs: number }): ExecutionStatus =>
  d.applyMs > job.timeoutMs ? 'TIMED_OUT' : d.fails ? 'FAILED' : 'SUCCEEDED';

export const runMsOf = (job: Job, d: { applyMs: number }) => Math.min(d.applyMs, job.timeoutMs);

const onlineFrom = (windows: OfflineWindow[], t: number) => {
  let at = t;
  for (
    let w = windows.find(
      (x) => x.from <= at && (x.until === null || at < x.until) && x.from !== x.until,
    );
    w;
    w = windows.find(
      (x) => x.from <= at && (x.until === null || at < x.until) && x.from !== x.until,
    )
  ) {
    if (w.until === null) return NEVER;
    at = w.until;
  }
  return at;
};

export type StatusCounts = Record<ExecutionStatus, number>;
export const zeroCounts = (): StatusCounts => ({
  QUEUED: 0,
  IN_PROGRESS: 0,
  SUCCEEDED: 0,
  FAILED: 0,
  TIMED_OUT: 0,
  CANCELED: 0,
  REMOVED: 0,
});

export class CohortTimeline {
  /** Notification times of irregular cohorts, by job and cohort; cleared when the fleet changes. */
  private irregularCache = new Map<string, Float64Array>();
  private cacheVersion = -1;
  /** Devices whose schedule was computed one by one from their cohort (reads and holds). */
  deviceViews = 0;

  constructor(
    /** The group's deployment jobs with cohorts, oldest first. */
    private readonly jobsOf: (group: FleetGroup) => CohortJob[],
    /** Bumped by every change of the fleet (jobs, availability, membership). */
    private readonly version: () => number,
  ) {}

  static draws(
    o: FleetOptions,
    group: FleetGroup,
    deployment: { id: string; healthy: boolean; downloadFailure?: Job['downloadFailure'] },
  ): CohortDraw[] {
    const count = Math.min(group.size, group.cohorts);
    return Array.from({ length: count }, (_, r) =>
      drawCohort(o, { thing: group.nameOf(r), twin: group.twin }, deployment),
    );
  }

  /** How many provisioned devices cohort r of a group has. */
  static sizeOf(group: FleetGroup, count: number, r: number) {
    return r < group.size ? Math.ceil((group.size - r) / count) : 0;
  }

  /** The offline windows a provisioned device got from the deployments that found it offline. */
  windowsOf(group: FleetGroup, i: number): OfflineWindow[] {
    const windows: OfflineWindow[] = [];
    for (const job of this.jobsOf(group)) {
      if (job.cohorts.absent.has(i)) continue;
      const d = job.cohorts.draws[i % job.cohorts.draws.length]!;
      if (!d.offline) continue;
      const turn = turnOf(job, i);
      // Found offline only if it was online when the rollout reached it (device-fate.ts).
      if (onlineFrom(windows, turn) === turn) windows.push({ from: turn, until: turn + d.awayMs });
    }
    return windows;
  }

  /** Whether a cohort's devices went offline in no other deployment of the group. */
  private regular(job: CohortJob, r: number) {
    return !this.jobsOf(job.cohorts.group).some(
      (other) => other !== job && other.cohorts.draws[r]?.offline,
    );
  }

  /** When provisioned device i receives the job: its turn, once online, plus the latency. */
  notifyOf(job: CohortJob, i: number): number {
    const d = job.cohorts.draws[i % job.cohorts.draws.length]!;
    const turn = turnOf(job, i);
    if (this.regular(job, i % job.cohorts.draws.length))
      return turn + (d.offline ? d.awayMs : 0) + d.latencyMs;
    return onlineFrom(this.windowsOf(job.cohorts.group, i), turn) + d.latencyMs;
  }

  /** Device i's schedule in the job, computed from its cohort. */
  scheduleOf(job: CohortJob, i: number, withNotify: boolean): Schedule {
    this.deviceViews++;
    const d = job.cohorts.draws[i % job.cohorts.draws.length]!;
    return {
      thing: job.cohorts.group.nameOf(i),
      position: i,
      slot: turnOf(job, i),
      latencyMs: d.latencyMs,
      applyMs: d.applyMs,
      fails: d.fails,
      ...(d.downloadFailure ? { downloadFailure: d.downloadFailure } : {}),
      crashAfterMs: d.crashAfterMs,
      ...(withNotify ? { notifyAt: this.notifyOf(job, i) } : {}),
    };
  }

  /** Provisioned devices of the job counted elsewhere: absent, or held individually. */
  excluded(job: CohortJob): Set<number> {
    const { absent, group } = job.cohorts;
    if (!group.individual.size) return absent;
    return new Set([...absent, ...group.individual]);
  }

  /** Notification times of an irregular cohort's devices, k = 0, 1, … (device r + k·C). */
  private irregular(job: CohortJob, r: number): Float64Array {
    if (this.cacheVersion !== this.version()) {
      this.irregularCache.clear();
      this.cacheVersion = this.version();
    }
    const key = `${job.jobId}|${r}`;
    let notify = this.irregularCache.get(key);
    if (!notify) {
      const count = job.cohorts.draws.length;
      const n = CohortTimeline.sizeOf(job.cohorts.group, count, r);
      notify = new Float64Array(n);
      for (let k = 0; k < n; k++) notify[k] = this.notifyOf(job, r + k * count);
      this.irregularCache.set(key, notify);
    }
    return notify;
  }

  /**
   * How many devices of regular cohort r are notified by T: #k with turn(r + kC) + offset ≤ T,
   * i.e. (r + kC) · 60,000 < (⌊T − createdAt − offset⌋ + 1) · perMinute.
   */
  private notifiedBy(job: CohortJob, r: number, n: number, offset: number, T: number) {
    if (T === Number.POSITIVE_INFINITY) return n;
    if (T === Number.NEGATIVE_INFINITY) return 0;
    const y = Math.floor(T - job.createdAt - offset);
    if (y < 0) return 0;
    if (job.ladder) return notifiedOnLadder(job, r, n, y);
    const a = (y + 1) * job.perMinute - r * MINUTE;
    if (a <= 0) return 0;
    return Math.min(n, ceilDiv(a, job.cohorts.draws.length * MINUTE));
  }

  /**
   * The k range of regular cohort r whose devices have `status` at t (the statuses split the
   * notification times into intervals), or undefined for an irregular cohort.
   */
  private range(
    job: CohortJob,
    r: number,
    t: number,
    stop: number | undefined,
    status: ExecutionStatus,
  ): [number, number] | undefined {
    if (!this.regular(job, r)) return undefined;
    const count = job.cohorts.draws.length;
    const n = CohortTimeline.sizeOf(job.cohorts.group, count, r);
    const d = job.cohorts.draws[r]!;
    const offset = (d.offline ? d.awayMs : 0) + d.latencyMs;
    const run = runMsOf(job, d);
    const superseded =
      job.supersededAt !== undefined && job.supersededAt <= t ? job.supersededAt : undefined;
    // Not canceled: end ≤ stop and (not superseded, or notified by then).
    const limit = Math.min(
      stop === undefined ? Number.POSITIVE_INFINITY : stop - run,
      superseded ?? Number.POSITIVE_INFINITY,
    );
    const by = (T: number) => this.notifiedBy(job, r, n, offset, T);
    const done = by(Math.min(limit, t - run));
    const started = by(Math.min(limit, t));
    const kept = by(limit);
    switch (status) {
      case 'CANCELED':
        return [kept, n];
      case 'QUEUED':
        return [started, kept];
      case 'IN_PROGRESS':
        return [done, started];
      case 'REMOVED':
        return [0, 0];
      default:
        return finalStatus(job, d) === status ? [0, done] : [0, 0];
    }
  }

  /** Device i's status at t, from its cohort. */
  statusOf(job: CohortJob, i: number, t: number, stop: number | undefined): ExecutionStatus {
    const r = i % job.cohorts.draws.length;
    const d = job.cohorts.draws[r]!;
    const x = this.regular(job, r)
      ? turnOf(job, i) + (d.offline ? d.awayMs : 0) + d.latencyMs
      : this.irregular(job, r)[Math.floor(i / job.cohorts.draws.length)]!;
    return classify(x, runMsOf(job, d), finalStatus(job, d), t, stop, job.supersededAt);
  }

  /** Execution counts of the job's provisioned devices, those counted elsewhere left out. */
  counts(job: CohortJob, t: number, stop: number | undefined): StatusCounts {
    const c = zeroCounts();
    const count = job.cohorts.draws.length;
    const statuses: ExecutionStatus[] = ['QUEUED', 'IN_PROGRESS', 'CANCELED'];
    for (let r = 0; r < count; r++) {
      const d = job.cohorts.draws[r]!;
      const final = finalStatus(job, d);
      if (this.regular(job, r)) {
        for (const s of [...statuses, final]) {
          const [lo, hi] = this.range(job, r, t, stop, s)!;
          c[s] += hi - lo;
        }
      } else {
        const notify = this.irregular(job, r);
        const run = runMsOf(job, d);
        for (const x of notify) c[classify(x, run, final, t, stop, job.supersededAt)]++;
      }
    }
    for (const i of this.excluded(job))
      if (i < job.cohorts.group.size) c[this.statusOf(job, i, t, stop)]--;
    return c;
  }

  /**
   * The provisioned devices of cohort r from k = `fromK` on with `status` (any: all), in k
   * order, those counted elsewhere left out: what a page of ListJobExecutionsForJob walks.
   */
  *devicesIn(
    job: CohortJob,
    r: number,
    t: number,
    stop: number | undefined,
    status: ExecutionStatus | undefined,
    fromK: number,
  ): Generator<{ i: number; k: number; status: ExecutionStatus }> {
    const count = job.cohorts.draws.length;
    const excluded = this.excluded(job);
    const n = CohortTimeline.sizeOf(job.cohorts.group, count, r);
    const range = status ? this.range(job, r, t, stop, status) : undefined;
    const [lo, hi] = range ?? [0, n];
    for (let k = Math.max(lo, fromK); k < hi; k++) {
      const i = r + k * count;
      if (excluded.has(i)) continue;
      const s = range ? status! : this.statusOf(job, i, t, stop);
      if (!status || s === status) yield { i, k, status: s };
    }
  }

  /**
   * The end of every provisioned device's execution (excluded ones left out), in time order
   * (ties: rollout order), with whether it failed: what the abort criteria count. Streams
   * one cohort at a time through a heap, allocating per cohort, not per device.
   */
  *ends(job: CohortJob): Generator<{ at: number; position: number; failed: boolean }> {
    const count = job.cohorts.draws.length;
    const excluded = this.excluded(job);
    type Stream = { r: number; k: number; n: number; at: number; failed: boolean };
    const endOf = (r: number, k: number) => {
      const d = job.cohorts.draws[r]!;
      const i = r + k * count;
      const x = this.regular(job, r)
        ? turnOf(job, i) + (d.offline ? d.awayMs : 0) + d.latencyMs
        : this.irregular(job, r)[k]!;
      return x + runMsOf(job, d);
    };
    const heap: Stream[] = [];
    const less = (a: Stream, b: Stream) =>
      a.at < b.at || (a.at === b.at && a.r + a.k * count < b.r + b.k * count);
    const push = (s: Stream) => {
      heap.push(s);
      for (let j = heap.length - 1; j > 0; ) {
        const p = (j - 1) >> 1;
        if (!less(heap[j]!, heap[p]!)) break;
        [heap[j], heap[p]] = [heap[p]!, heap[j]!];
        j = p;
      }
    };
    const pop = () => {
      const top = heap[0]!;
      const last = heap.pop()!;
      if (heap.length) {
        heap[0] = last;
        for (let j = 0; ; ) {
          const l = 2 * j + 1;
          const rr = l + 1;
          let m = j;
          if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
          if (rr < heap.length && less(heap[rr]!, heap[m]!)) m = rr;
          if (m === j) break;
          [heap[j], heap[m]] = [heap[m]!, heap[j]!];
          j = m;
        }
      }
      return top;
    };
    const advance = (s: Stream) => {
      while (s.k < s.n && excluded.has(s.r + s.k * count)) s.k++;
      if (s.k >= s.n) return;
      s.at = endOf(s.r, s.k);
      // Ends of an irregular cohort are not in k order: it is walked sorted instead.
      push(s);
    };
    const sorted: { at: number; position: number; failed: boolean }[] = [];
    for (let r = 0; r < count; r++) {
      const d = job.cohorts.draws[r]!;
      const failed = finalStatus(job, d) !== 'SUCCEEDED';
      const n = CohortTimeline.sizeOf(job.cohorts.group, count, r);
      if (this.regular(job, r)) advance({ r, k: 0, n, at: 0, failed });
      else
        for (let k = 0; k < n; k++) {
          const i = r + k * count;
          if (!excluded.has(i)) sorted.push({ at: endOf(r, k), position: i, failed });
        }
    }
    sorted.sort((a, b) => a.at - b.at || a.position - b.position);
    let next = 0;
    while (heap.length || next < sorted.length) {
      const top = heap[0];
      const irregular = sorted[next];
      if (
        irregular &&
        (!top ||
          irregular.at < top.at ||
          (irregular.at === top.at && irregular.position < top.r + top.k * count))
      ) {
        next++;
        if (irregular.at < NEVER) yield irregular;
        continue;
      }
      const s = pop();
      if (s.at < NEVER) yield { at: s.at, position: s.r + s.k * count, failed: s.failed };
      s.k++;
      advance(s);
    }
  }
}
