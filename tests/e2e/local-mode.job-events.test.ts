import type { Emulator } from '../../emulator/emulator';
import type { Job } from '../../emulator/fleet-types';
import type { IotJobEvents } from '../../emulator/iot-events';
import {
  emulatorPerTest,
  localConfigWith,
  rolloutRate,
  runSimulation,
  waveEntries,
} from '../helpers/local-mode';

/**
 * A wave waits in Watch Wave for as long as its devices' progress says, up to a ceiling of
 * hours; IoT's own abort (the job's abort criteria cancel it) is not left to that wait: the
 * job's `canceled` event wakes the wave through the job-events rule (docs/fleet-rollout.md).
 */
const SECOND = 1000;
const MINUTE = 60 * SECOND;

const start = emulatorPerTest();

/** The release's deployment job on a thing group (not the baseline seeded at start). */
const releaseJobOn = (emulator: Emulator, group: string): Job =>
  [...emulator.world.fleet.jobs.values()].find(
    (j) => j.targetArn.endsWith(`/${group}`) && !j.healthy,
  )!;

/** When no device of `job` was queued or in progress any more: the first such moment before `by`. */
const settleTime = (emulator: Emulator, job: Job, by: number) => {
  const busy = (t: number) => {
    const c = emulator.world.fleet.counts(job, t);
    return c.QUEUED + c.IN_PROGRESS > 0;
  };
  let [lo, hi] = [job.createdAt, by];
  while (hi - lo > SECOND) {
    const mid = Math.floor((lo + hi) / 2);
    if (busy(mid)) lo = mid;
    else hi = mid;
  }
  return hi;
};

/**
 * When a Check Wave of the wave on `group` first found it no longer in progress: the Watch
 * Wave entry that carries that check's verdict (the check read the counters just before).
 */
const seenSettledAt = (emulator: Emulator, executionArn: string, group: string) =>
  waveEntries(emulator, executionArn, 'Watch Wave', group).find(
    (e) =>
      (e.wave as { status?: string }).status !== undefined &&
      (e.wave as { status?: string }).status !== 'IN_PROGRESS',
  )?.at;

/** Check Wave entries of the wave on `group`: their virtual time. */
const checksOf = (emulator: Emulator, executionArn: string, group: string) =>
  waveEntries(emulator, executionArn, 'Check Wave', group).map((e) => e.at);

/** Watch Wave entries of the wave on `group`: when, and the wait they were given. */
const watchesOf = (emulator: Emulator, executionArn: string, group: string) =>
  waveEntries(emulator, executionArn, 'Watch Wave', group).map((e) => ({
    at: e.at,
    waitSeconds: e.wave!.poll.waitSeconds,
  }));

describe('local mode: IoT job events wake a waiting wave', () => {
  it('IoTAbortOfLongWave: a long wave that IoT aborts is checked soon after its cancellation event, long before its wait ends, after few polls', async () => {
    // Prepare: factory-jetson tolerates every failure; field-rpi rolls out one device a
    // minute (a 60-minute wave) and IoT cancels its job once 20 devices ran and over 10 %
    // failed: some 20 minutes in, while the wave waits most of the 40 minutes left.
    const config = localConfigWith(
      [
        'abort: { failureThresholdPercentage: 10, minExecutedThings: 2 }',
        'abort: { failureThresholdPercentage: 100, minExecutedThings: 2 }',
      ],
      [
        'abort: { failureThresholdPercentage: 5, minExecutedThings: 10 }',
        'abort: { failureThresholdPercentage: 100, minExecutedThings: 10 }',
      ],
      rolloutRate('field-rpi', 1),
      [
        'abort: { failureThresholdPercentage: 10, minExecutedThings: 3 }',
        'abort: { failureThresholdPercentage: 10, minExecutedThings: 20 }',
      ],
    );
    const emulator = await start(
      { deviceFailureRate: 0.3, fleetSize: 60, fleet: { applyMs: [1000, 5000] } },
      config,
    );
    // Act
    const s = await runSimulation({
      approve: true,
      timeoutSeconds: 400,
      endpoint: emulator.url,
      config,
    });
    // Assess: IoT canceled the wave's job and published the event; the rollout failed and
    // rolled back.
    expect(s.status).toBe('FAILED');
    expect(s.error).toBe('RolloutAborted');
    const job = releaseJobOn(emulator, 'field-rpi');
    const canceledAt = emulator.world.fleet.stoppedAt(job, emulator.world.clock.now());
    expect(canceledAt).toBeDefined();
    const events = (emulator.world.jobEvents as IotJobEvents).log;
    expect(events.map((e) => e.topic)).toContain(`$aws/events/job/${job.jobId}/canceled`);
    // The wave was checked soon after the cancellation (local mode's real overheads count as
    // virtual time: a cold start at 300× is minutes), long before the wait it was in would have
    // ended, and a handful of polls sufficed.
    const watches = watchesOf(emulator, s.executionArn!, 'field-rpi');
    const waiting = watches.filter((w) => w.at <= canceledAt!).at(-1)!;
    const checks = checksOf(emulator, s.executionArn!, 'field-rpi');
    const firstAfter = checks.find((t) => t >= canceledAt!)!;
    expect(waiting.waitSeconds * SECOND).toBeGreaterThan(10 * MINUTE);
    expect(firstAfter - canceledAt!).toBeLessThan(5 * MINUTE);
    expect(firstAfter).toBeLessThan(waiting.at + waiting.waitSeconds * SECOND);
    expect(checks.length).toBeLessThanOrEqual(8);
    expect(s.cause).toContain('wave all of fleet field-rpi');
  }, 500_000);
  it('LargeFleetBoundedPolls: 2,000 devices a group, one wave of 100 minutes, completes in a handful of polls', async () => {
    // Prepare: field-rpi's 2,000 devices at 20 a minute. Each takes 20 to 90 s to apply (the
    // emulator's default), so the first devices finish late and their pace alone would
    // promise a wave far longer than the rollout rate allows.
    const config = localConfigWith(rolloutRate('field-rpi', 20));
    const emulator = await start({ fleetSize: 2000, fleet: { applyMs: [20_000, 90_000] } }, config);
    // Act
    const s = await runSimulation({
      approve: true,
      timeoutSeconds: 400,
      endpoint: emulator.url,
      config,
    });
    // Assess: every device got the release; the slow wave was read in the log of its
    // duration (its settle and its bake), not once per ceiling or per device.
    expect(s.status).toBe('SUCCEEDED');
    const checks = checksOf(emulator, s.executionArn!, 'field-rpi');
    expect(checks.length).toBeGreaterThan(0);
    expect(checks.length).toBeLessThanOrEqual(12);
    expect(s.awsCalls['iot.ListJobExecutionsForJob'] ?? 0).toBeLessThanOrEqual(6);
    // The wave's end was seen promptly, not a long wait after its last device finished
    // (local mode's real overheads count as virtual time at 300×, hence minutes, not seconds).
    const job = releaseJobOn(emulator, 'field-rpi');
    const settledAt = settleTime(emulator, job, checks.at(-1)!);
    expect(settledAt).toBeGreaterThan(job.createdAt + 90 * MINUTE);
    const seen = seenSettledAt(emulator, s.executionArn!, 'field-rpi')!;
    expect(seen).toBeGreaterThanOrEqual(settledAt);
    expect(seen - settledAt).toBeLessThan(5 * MINUTE);
  }, 500_000);
  it('HugeFleetBoundedPolls: 100,000 devices a group, waves of up to 17 hours, each wave seen settled promptly after a bounded number of polls', async () => {
    // Prepare: every group 100,000 devices; canary and field-rpi at 100 a minute (1,000
    // minutes), main exponential up to 500; wave timeouts of 2 days so that they can finish.
    const longWave = (abort: string): [string, string] => [
      abort,
      `${abort}\n            waveTimeoutMinutes: 2880`,
    ];
    const config = localConfigWith(
      longWave('abort: { failureThresholdPercentage: 10, minExecutedThings: 2 }'),
      longWave('abort: { failureThresholdPercentage: 5, minExecutedThings: 10 }'),
      longWave('abort: { failureThresholdPercentage: 10, minExecutedThings: 3 }'),
    );
    const emulator = await start({ fleetSize: 100_000 }, config);
    // Act
    const s = await runSimulation({
      approve: true,
      timeoutSeconds: 400,
      endpoint: emulator.url,
      config,
    });
    // Assess: the release went through; each wave was read a bounded number of times (a fixed
    // 2-minute interval would read a 17-hour wave 500 times) and seen settled within minutes
    // of its last device (local mode's overheads count as virtual time at 300×).
    expect(s.status).toBe('SUCCEEDED');
    for (const group of ['factory-jetson-canary', 'factory-jetson-main', 'field-rpi']) {
      const checks = checksOf(emulator, s.executionArn!, group);
      const job = releaseJobOn(emulator, group);
      const settledAt = settleTime(emulator, job, checks.at(-1)!);
      const seen = seenSettledAt(emulator, s.executionArn!, group)!;
      expect({ group, polls: checks.length <= 12 }).toEqual({ group, polls: true });
      expect({ group, lateMinutes: (seen - settledAt) / MINUTE < 5 }).toEqual({
        group,
        lateMinutes: true,
      });
    }
    expect(s.awsCalls['greengrass.GetDeployment']).toBeLessThanOrEqual(40);
    expect(s.awsCalls['iot.ListJobExecutionsForJob'] ?? 0).toBeLessThanOrEqual(6);
    expect(s.awsCalls['greengrass.ListInstalledComponents'] ?? 0).toBeLessThanOrEqual(10);
  }, 500_000);
});
