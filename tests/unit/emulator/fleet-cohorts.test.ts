import { DeviceAvailability } from '../../../emulator/device-availability';
import { drawFate } from '../../../emulator/device-fate';
import {
  DEFAULT_FLEET_OPTIONS,
  type ExecutionStatus,
  Fleet,
  type Job,
  type ListCursor,
} from '../../../emulator/fleet';

/**
 * The simulated fleet in cohorts (emulator/fleet-cohorts.ts): counts computed from the
 * rollout rate and the time must be what simulating every device one by one gives, pages
 * must name every device once, and status reads of a large fleet must not compute devices.
 */
const MINUTE = 60_000;
const T0 = 1_800_000_000_000;
const ACCOUNT = '000000000000';

type Scenario = {
  seed: string;
  size: number;
  cohorts: number;
  deviceFailureRate: number;
  offlineRate: number;
  crashAfterStartRate: number;
  /** The release ramps up exponentially (IoT exponentialRate) to its maximum rate. */
  exponential?: boolean;
};

/** The same fleet and deployments; `oneByOne` then holds every device individually. */
const build = (s: Scenario, oneByOne: boolean) => {
  const fleet = new Fleet(ACCOUNT, 'us-east-1', {
    seed: s.seed,
    deviceFailureRate: s.deviceFailureRate,
    offlineRate: s.offlineRate,
    crashAfterStartRate: s.crashAfterStartRate,
    offlineMs: [2 * MINUTE, 40 * MINUTE],
    applyMs: [20_000, 9 * MINUTE],
    notifyLatencyMs: [0, 3_000],
    cohorts: s.cohorts,
  });
  const group = fleet.addGroup('plant', s.size);
  const jobs: Job[] = [];
  jobs.push(
    fleet.createJob({
      deploymentId: `${s.seed}-baseline`,
      targetArn: group.arn,
      components: {},
      createdAt: T0,
      healthy: true,
    }),
  );
  // A release at 7 a minute, its devices timing out after 5 minutes, with abort criteria…
  jobs.push(
    fleet.createJob({
      deploymentId: `${s.seed}-release`,
      targetArn: group.arn,
      components: {},
      createdAt: T0 + 10 * MINUTE,
      maximumPerMinute: 7,
      exponentialRate: s.exponential
        ? {
            baseRatePerMinute: 1,
            incrementFactor: 2,
            rateIncreaseCriteria: { numberOfNotifiedThings: 3 },
          }
        : undefined,
      timeoutMinutes: 5,
      abort: { thresholdPercentage: 30, minExecuted: 4 },
    }),
  );
  // …replaced by a rollback at another rate: devices the release found offline may still be.
  jobs.push(
    fleet.createJob({
      deploymentId: `${s.seed}-rollback`,
      targetArn: group.arn,
      components: {},
      createdAt: T0 + 25 * MINUTE,
      maximumPerMinute: 11,
    }),
  );
  if (oneByOne) for (const thing of group.members()) fleet.materialise(thing);
  return { fleet, group, jobs };
};

/** Execution counts from a list of executions, device by device. */
const tally = (executions: { status: ExecutionStatus }[]) => {
  const c: Record<ExecutionStatus, number> = {
    QUEUED: 0,
    IN_PROGRESS: 0,
    SUCCEEDED: 0,
    FAILED: 0,
    TIMED_OUT: 0,
    CANCELED: 0,
    REMOVED: 0,
  };
  for (const e of executions) c[e.status]++;
  return c;
};

const times = Array.from({ length: 60 }, (_, n) => T0 + n * 2 * MINUTE + (n % 7) * 777);

describe('cohort counts equal simulating every device', () => {
  const scenarios: Scenario[] = [];
  for (const seed of ['a', 'b', 'c'])
    for (const [size, cohorts] of [
      [23, 4],
      [40, 7],
      [12, 12],
    ] as const)
      for (const [deviceFailureRate, offlineRate] of [
        [0, 0],
        [0.4, 0],
        [0.2, 0.5],
      ] as const)
        scenarios.push({
          seed,
          size,
          cohorts,
          deviceFailureRate,
          offlineRate,
          crashAfterStartRate: 0.3,
        });
  for (const seed of ['d', 'e'])
    for (const [size, cohorts] of [
      [23, 4],
      [40, 7],
    ] as const)
      scenarios.push({
        seed,
        size,
        cohorts,
        deviceFailureRate: 0.2,
        offlineRate: 0.3,
        crashAfterStartRate: 0.3,
        exponential: true,
      });

  it.each(scenarios)(
    'seed $seed, $size devices in $cohorts cohorts, failure $deviceFailureRate, offline $offlineRate, exponential $exponential',
    (s) => {
      const cohort = build(s, false);
      const single = build(s, true);
      expect(single.fleet.materialised).toBe(s.size);
      expect(cohort.fleet.materialised).toBe(0);
      cohort.jobs.forEach((job, j) => {
        const other = single.jobs[j]!;
        expect(cohort.fleet.executionCount(job)).toBe(s.size);
        expect(cohort.fleet.stoppedAt(job, Number.MAX_SAFE_INTEGER)).toBe(
          single.fleet.stoppedAt(other, Number.MAX_SAFE_INTEGER),
        );
        for (const t of times) {
          // Counted from the rollout rate and the time, against device by device.
          expect(cohort.fleet.counts(job, t)).toEqual(tally(single.fleet.executions(other, t)));
          expect(single.fleet.counts(other, t)).toEqual(tally(single.fleet.executions(other, t)));
          const byDevice = (f: Fleet, jb: Job) =>
            Object.fromEntries(f.executions(jb, t).map((e) => [e.thing, e.status]));
          expect(byDevice(cohort.fleet, job)).toEqual(byDevice(single.fleet, other));
        }
      });
      for (const thing of cohort.group.members()) {
        const t = times[40]!;
        expect(cohort.fleet.installedState(thing, t)).toEqual(
          single.fleet.installedState(thing, t),
        );
        expect(cohort.fleet.offlineWindows(thing)).toEqual(single.fleet.offlineWindows(thing));
        expect(cohort.fleet.lastOnline(thing, t)).toBe(single.fleet.lastOnline(thing, t));
      }
    },
  );

  it('stops a job by its abort criteria in both, and a cancel stops it in both', () => {
    const s = {
      seed: 'abort',
      size: 60,
      cohorts: 9,
      deviceFailureRate: 0.5,
      offlineRate: 0.2,
      crashAfterStartRate: 0,
    };
    const cohort = build(s, false);
    const single = build(s, true);
    const release = cohort.jobs[1]!;
    expect(cohort.fleet.stoppedAt(release, Number.MAX_SAFE_INTEGER)).toBeDefined();
    cohort.fleet.cancel(cohort.jobs[2]!, T0 + 31 * MINUTE + 123);
    single.fleet.cancel(single.jobs[2]!, T0 + 31 * MINUTE + 123);
    for (const t of times)
      expect(cohort.fleet.counts(cohort.jobs[2]!, t)).toEqual(
        single.fleet.counts(single.jobs[2]!, t),
      );
  });
});

describe('small fleets', () => {
  it('with no more devices than cohorts, each device draws its fate by its own name, as before cohorts', () => {
    const options = {
      ...DEFAULT_FLEET_OPTIONS,
      seed: 's',
      deviceFailureRate: 0.5,
      crashAfterStartRate: 0.5,
    };
    const fleet = new Fleet(ACCOUNT, 'us-east-1', options);
    const group = fleet.addGroup('plant', 10);
    const job = fleet.createJob({
      deploymentId: 'd',
      targetArn: group.arn,
      components: {},
      createdAt: T0,
      maximumPerMinute: 100,
    });
    const fates = [...group.members()].map((thing, i) => {
      const own = drawFate(
        options,
        new DeviceAvailability(),
        { thing, twin: false },
        {
          id: 'd',
          slot: T0 + Math.floor((i * MINUTE) / 100),
          healthy: false,
        },
      );
      const {
        notifyAt: _n,
        position: _p,
        ...fromCohort
      } = fleet.cohorts.scheduleOf(job as never, i, true);
      expect(fromCohort).toEqual(own);
      return own.fails;
    });
    // The seed gives both fates: the check above compares something.
    expect(new Set(fates)).toEqual(new Set([true, false]));
  });
});

describe('pages of a job computed alone', () => {
  const setUp = () => {
    const fleet = new Fleet(ACCOUNT, 'us-east-1', {
      seed: 'pages',
      deviceFailureRate: 0.3,
      offlineRate: 0.2,
      cohorts: 8,
    });
    const group = fleet.addGroup('plant', 100);
    const job = fleet.createJob({
      deploymentId: 'release',
      targetArn: group.arn,
      components: {},
      createdAt: T0,
      maximumPerMinute: 20,
    });
    // A device held one by one keeps its place; one that joins comes last.
    fleet.setOffline('plant-042', T0, T0 + 30 * MINUTE);
    fleet.addToGroup('newcomer', 'plant', T0 + MINUTE);
    return { fleet, group, job };
  };

  const allPages = (
    fleet: Fleet,
    job: Job,
    t: number,
    status: ExecutionStatus | undefined,
    max: number,
  ) => {
    const out: { thing: string; status: ExecutionStatus }[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = fleet.executionsPage(job, t, status, token, max);
      expect(page.items.length).toBeLessThanOrEqual(max);
      out.push(...page.items.map(({ thing, status: s }) => ({ thing, status: s })));
      token = page.nextToken;
      pages++;
    } while (token && pages < 1000);
    return out;
  };

  it.each([1, 7, 25, 250])('pages of %i name every device once, in one order', (max) => {
    const { fleet, job } = setUp();
    for (const t of [T0 + 2 * MINUTE, T0 + 4 * MINUTE, T0 + 40 * MINUTE]) {
      const all = fleet.executions(job, t);
      expect(all).toHaveLength(101);
      expect(new Set(all.map((e) => e.thing)).size).toBe(101);
      expect(allPages(fleet, job, t, undefined, max)).toEqual(
        all.map(({ thing, status }) => ({ thing, status })),
      );
      const counts = fleet.counts(job, t);
      for (const status of Object.keys(counts) as ExecutionStatus[]) {
        const filtered = allPages(fleet, job, t, status, max);
        expect(filtered).toHaveLength(counts[status]);
        expect(filtered).toEqual(
          all.filter((e) => e.status === status).map(({ thing }) => ({ thing, status })),
        );
      }
    }
  });

  it('lists the held device at its place in its cohort and the device that joined last', () => {
    const { fleet, job } = setUp();
    const things = fleet.executions(job, T0 + 5 * MINUTE).map((e) => e.thing);
    // Cohort 1 (plant-002, plant-010, …): plant-042 is device 41 = 1 + 5·8.
    const cohort1 = things.filter((t) => t !== 'newcomer' && (Number(t.slice(6)) - 1) % 8 === 1);
    expect(cohort1.indexOf('plant-042')).toBe(5);
    expect(things.at(-1)).toBe('newcomer');
    expect(fleet.materialised).toBe(1);
  });
});

describe('a fleet of 100,000 devices', () => {
  it('answers status reads without computing a device, and a page by computing its devices only', () => {
    const fleet = new Fleet(ACCOUNT, 'us-east-1', {
      seed: 'large',
      deviceFailureRate: 0.02,
      offlineRate: 0.05,
      crashAfterStartRate: 0.01,
    });
    const group = fleet.addGroup('plant', 100_000);
    fleet.createJob({
      deploymentId: 'base',
      targetArn: group.arn,
      components: {},
      createdAt: T0,
      healthy: true,
    });
    const release = fleet.createJob({
      deploymentId: 'release',
      targetArn: group.arn,
      components: {},
      createdAt: T0 + MINUTE,
      maximumPerMinute: 100,
      abort: { thresholdPercentage: 10, minExecuted: 50 },
    });
    for (let hour = 0; hour < 24; hour++) {
      const c = fleet.counts(release, T0 + hour * 60 * MINUTE);
      expect(Object.values(c).reduce((a, b) => a + b, 0)).toBe(100_000);
      fleet.stoppedAt(release, T0 + hour * 60 * MINUTE);
    }
    expect(fleet.executionCount(release)).toBe(100_000);
    expect(fleet.counts(release, T0 + 1000 * MINUTE).SUCCEEDED).toBeGreaterThan(90_000);
    expect(fleet.deviceViews).toBe(0);
    expect(fleet.materialised).toBe(0);

    const page = fleet.executionsPage(release, T0 + 30 * MINUTE, 'QUEUED', undefined, 25);
    expect(page.items).toHaveLength(25);
    expect(page.nextToken).toBeDefined();
    // One device asked about alone: its schedule in each of its two jobs, nothing else.
    fleet.installedState('plant-077777', T0 + 30 * MINUTE);
    expect(fleet.deviceViews).toBe(2);
    expect(fleet.materialised).toBe(0);
  });
});

describe('listing things a page at a time (ListCoreDevices)', () => {
  const setUp = () => {
    const fleet = new Fleet(ACCOUNT, 'us-east-1', {
      seed: 'a',
      crashAfterStartRate: 0.3,
      cohorts: 8,
    });
    const group = fleet.addGroup('plant', 100);
    fleet.things.set('lonely', { name: 'lonely', arn: fleet.thingArn('lonely'), account: ACCOUNT });
    fleet.createJob({
      deploymentId: 'release',
      targetArn: group.arn,
      components: {},
      createdAt: T0,
    });
    fleet.crash('plant-050', T0 + 60 * MINUTE);
    return { fleet, group };
  };
  /** Resumes from the cursor of the first device a page did not take, as the route does. */
  const pages = (fleet: Fleet, size: number, only: Parameters<Fleet['listing']>[1]) => {
    const out: string[] = [];
    let from: ListCursor | undefined;
    for (;;) {
      const page: string[] = [];
      let next: ListCursor | undefined;
      for (const { thing, cursor } of fleet.listing(from, only)) {
        if (page.length >= size) {
          next = cursor;
          break;
        }
        page.push(thing);
      }
      out.push(...page);
      if (!next) return out;
      from = next;
    }
  };

  it.each([1, 3, 100])('pages of %i name every thing once', (size) => {
    const { fleet } = setUp();
    const all = pages(fleet, 1000, {});
    expect(all).toHaveLength(101);
    expect(new Set(all).size).toBe(101);
    expect(pages(fleet, size, {})).toEqual(all);
    expect(all.at(-1)).toBe('lonely');
  });

  it('walks only cohorts whose components crash, and devices held one by one, for UNHEALTHY', () => {
    const { fleet } = setUp();
    const walked = pages(fleet, 7, { mayBreak: true });
    const crashing = walked.filter((t) => t !== 'plant-050' && t !== 'lonely');
    expect(walked).toContain('plant-050');
    expect(crashing.length).toBeGreaterThan(0);
    expect(crashing.length).toBeLessThan(100);
    for (const thing of crashing) {
      const state = fleet.installedState(thing, T0 + 600 * MINUTE);
      expect(state.brokenAt).toBeDefined();
    }
  });
});

describe('an exponential rollout rate', () => {
  const release = (exponential: boolean) => {
    const fleet = new Fleet(ACCOUNT, 'us-east-1', {
      seed: 'ramp',
      notifyLatencyMs: [0, 0],
      applyMs: [1_000, 1_000],
      cohorts: 50,
    });
    const group = fleet.addGroup('plant', 1_000);
    const job = fleet.createJob({
      deploymentId: exponential ? 'ramped' : 'flat',
      targetArn: group.arn,
      components: {},
      createdAt: T0,
      maximumPerMinute: 100,
      exponentialRate: exponential
        ? {
            baseRatePerMinute: 10,
            incrementFactor: 2,
            rateIncreaseCriteria: { numberOfNotifiedThings: 20 },
          }
        : undefined,
    });
    const started = (t: number) => {
      const c = fleet.counts(job, t);
      return c.IN_PROGRESS + c.SUCCEEDED;
    };
    return { started };
  };

  it('notifies at the base rate first and at the maximum only once the ramp reached it', () => {
    const flat = release(false);
    const ramped = release(true);
    // Flat: 100 a minute from the start. Ramped: 20 at 10/min (2 min), 20 at 20/min (1 min),
    // 20 at 40/min (30 s), 20 at 80/min (15 s), then 100/min: 80 devices after 3.75 minutes.
    // (A device whose turn is exactly at t is notified at t: each count is read 1 ms before.)
    expect(flat.started(T0 + 2 * MINUTE - 1)).toBe(200);
    expect(ramped.started(T0 + 2 * MINUTE - 1)).toBe(20);
    expect(ramped.started(T0 + 3 * MINUTE - 1)).toBe(40);
    expect(ramped.started(T0 + 3.75 * MINUTE - 1)).toBe(80);
    expect(ramped.started(T0 + 4.75 * MINUTE - 1)).toBe(180);
    expect(ramped.started(T0 + 60 * MINUTE)).toBe(1_000);
  });
});
