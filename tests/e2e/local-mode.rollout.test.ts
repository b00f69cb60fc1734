import { DynamoDBClient, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { Emulator } from '../../emulator/emulator';
import {
  emulatorPerTest,
  localConfigWith,
  rolloutRate,
  runSimulation,
  waveEntries,
} from '../helpers/local-mode';
import { until } from '../helpers/until';

/**
 * A release ends in a known, safe, verified state: every failure inside the fleet rollout
 * rolls back what the run changed (all fleets, by default), the rollback is verified device
 * by device, offline devices neither block nor abort a wave, and a wave bakes before the next.
 * Each test runs its own emulator and checks what every simulated device runs afterwards.
 */
const MODEL = 'com.example.defectdetector.model';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const MINUTE = 60_000;

const start = emulatorPerTest();

/** Devices of the given thing groups that run our model at `version` now. */
const devicesOn = (emulator: Emulator, groups: string[], version: string) => {
  const now = emulator.world.clock.now();
  return groups.flatMap((g) =>
    (emulator.world.fleet.groups.get(g)?.things ?? []).filter(
      (thing) => emulator.world.fleet.installedOn(thing, now)[MODEL]?.componentVersion === version,
    ),
  );
};

/**
 * Device by device: each device still on the failed release is named in the cause, and a
 * fleet's rollback says "on all devices" exactly when none of its devices is left on it.
 */
const expectRollbackTruthful = (emulator: Emulator, cause: string, groups: string[]) => {
  const stranded = devicesOn(emulator, groups, '1.0.7');
  for (const device of stranded) expect(cause).toContain(device);
  for (const fleet of ['factory-jetson', 'field-rpi']) {
    const sentence = cause.split('; ').find((s) => s.startsWith(`rolled back ${fleet}`));
    if (!sentence) continue;
    const left = stranded.filter((d) => d.startsWith(fleet));
    expect({ fleet, allRestored: sentence.endsWith('on all devices') }).toEqual({
      fleet,
      allRestored: left.length === 0,
    });
  }
  return stranded;
};

const leasesHeld = async (emulator: Emulator) => {
  const dynamo = new DynamoDBClient({ endpoint: emulator.url, region: 'us-east-1', credentials });
  const { Items } = await dynamo.send(
    new ScanCommand({ TableName: 'edge-mlops-local-state-table' }),
  );
  return (Items ?? [])
    .map((i) => unmarshall(i))
    .filter((i) => String(i.pk).startsWith('fleet#') && i.leaseHolder);
};

const failureNotices = (emulator: Emulator) =>
  emulator.world.sns.filter((m) => / failed at /.test(m.subject ?? ''));

describe('local mode: the fleet rollout always ends in a verified state', () => {
  it('OfflineDevice: a wave settles on the devices that reported, names the offline one, which gets the release when back', async () => {
    // Prepare: one canary device is offline from the start.
    const emulator = await start({
      deviceSchedule: { offline: [{ thing: 'factory-jetson-canary-02' }] },
    });
    // Act
    const s = await runSimulation({ approve: true, timeoutSeconds: 300, endpoint: emulator.url });
    // Assess
    expect(s.status).toBe('SUCCEEDED');
    const deployed = emulator.world.sns.find((m) => m.subject?.endsWith('v7 deployed'));
    expect(deployed?.message).toContain(
      'factory-jetson: DEPLOYED (waves: canary → main); 1 device(s) offline, they get it when they return: factory-jetson-canary-02 (canary)',
    );
    expect(devicesOn(emulator, ['factory-jetson-canary'], '1.0.7')).not.toContain(
      'factory-jetson-canary-02',
    );
    // The offline device held the wave for its 30-minute grace period: a few polls waited
    // it out (at the 15-second floor it would take over a hundred).
    const canary = waveEntries(emulator, s.executionArn!, 'Check Wave', 'factory-jetson-canary');
    expect(canary.length).toBeGreaterThan(0);
    expect(canary.length).toBeLessThanOrEqual(12);
    // The device comes back: the group's deployment is continuous, so it applies the release.
    emulator.world.fleet.bringOnline('factory-jetson-canary-02', emulator.world.clock.now());
    await emulator.world.clock.sleep(10 * MINUTE);
    expect(devicesOn(emulator, ['factory-jetson-canary'], '1.0.7')).toContain(
      'factory-jetson-canary-02',
    );
  }, 400_000);

  it('CrashAfterStart: components that crash during the bake abort the wave, and the rollback is verified', async () => {
    // Prepare: every fleet device's new components crash shortly after a successful start.
    const emulator = await start({ fleet: { crashAfterStartRate: 1 } });
    // Act
    const s = await runSimulation({ approve: true, timeoutSeconds: 300, endpoint: emulator.url });
    // Assess
    expect(s.status).toBe('FAILED');
    expect(s.error).toBe('RolloutAborted');
    expect(s.cause).toContain('wave canary of fleet factory-jetson ABORTED');
    expect(s.cause).toContain('unhealthy after the deployment');
    expect(s.cause).toContain('BROKEN');
    expect(s.statesVisited).toEqual(
      expect.arrayContaining(['Roll Back Fleets', 'Check Rollback', 'Record Failure']),
    );
    expect(s.statesVisited).not.toContain('Complete Fleet Rollout');
    const stranded = expectRollbackTruthful(emulator, s.cause!, ['factory-jetson-canary']);
    expect(stranded).toEqual([]);
    expect(s.cause).toContain(
      'rolled back factory-jetson canary: removed the model (no earlier release) on all devices',
    );
    expect(failureNotices(emulator)).toHaveLength(1);
    expect(await leasesHeld(emulator)).toEqual([]);
  }, 400_000);

  it('TransientFailureInRollout: retries that run out inside the rollout roll back, notify once and free the lease', async () => {
    // Prepare: Greengrass core device health becomes unavailable once production starts.
    const emulator = await start();
    const running = runSimulation({ approve: true, timeoutSeconds: 300, endpoint: emulator.url });
    await until(
      'the rollout to start',
      () =>
        [...emulator.sfn.executions.values()].find((e) => e.statesVisited.includes('Start Wave')),
      120_000,
    );
    emulator.world.options.failingOperations = ['greengrass.ListCoreDevices'];
    // Act
    const s = await running;
    // Assess
    expect(s.status).toBe('FAILED');
    expect(s.error).toBe('TransientError');
    expect(s.cause).toContain('ListCoreDevices');
    expect(s.cause).toContain(
      'rolled back factory-jetson canary: removed the model (no earlier release) on all devices',
    );
    expect(s.statesVisited).toEqual(
      expect.arrayContaining(['Roll Back Fleets', 'Check Rollback', 'Record Failure']),
    );
    expect(devicesOn(emulator, ['factory-jetson-canary', 'factory-jetson-main'], '1.0.7')).toEqual(
      [],
    );
    expect(failureNotices(emulator)).toHaveLength(1);
    // Nothing holds the fleet: a replay can start at once.
    expect(await leasesHeld(emulator)).toEqual([]);
  }, 400_000);

  it('FleetBusyExhausted: a fleet held by another release past every retry ends through Record Failure, rolls back the other fleet and keeps the other holder lease', async () => {
    // Prepare: another execution holds field-rpi for the whole run (its lease has not expired).
    const emulator = await start();
    const dynamo = new DynamoDBClient({ endpoint: emulator.url, region: 'us-east-1', credentials });
    const holder =
      'arn:aws:states:us-east-1:000000000000:execution:edge-mlops-local-edge-deployment:other';
    await dynamo.send(
      new PutItemCommand({
        TableName: 'edge-mlops-local-state-table',
        Item: marshall({
          pk: 'fleet#defect-detector#field-rpi',
          sk: 'state',
          leaseHolder: holder,
          leaseExpiresAt: emulator.world.clock.now() + 30 * 24 * 60 * MINUTE,
        }),
      }),
    );
    // Act
    const s = await runSimulation({ approve: true, timeoutSeconds: 400, endpoint: emulator.url });
    // Assess: the failure is recorded and notified once, nothing of this release stays live.
    expect(s.status).toBe('FAILED');
    expect(s.error).toBe('FleetBusy');
    expect(s.cause).toContain('field-rpi');
    expect(s.statesVisited).toEqual(
      expect.arrayContaining(['Roll Back Fleets', 'Check Rollback', 'Record Failure']),
    );
    expect(failureNotices(emulator)).toHaveLength(1);
    const groups = ['factory-jetson-canary', 'factory-jetson-main', 'field-rpi-all'];
    expect(devicesOn(emulator, groups, '1.0.7')).toEqual([]);
    // This run frees what it took and leaves the other holder's lease alone.
    expect((await leasesHeld(emulator)).map((l) => [l.pk, l.leaseHolder])).toEqual([
      ['fleet#defect-detector#field-rpi', holder],
    ]);
  }, 500_000);

  it('SlowLargeWave: a rate-limited wave longer than the grace period polls in the log of its duration and counts no pending device as offline', async () => {
    // Prepare: field-rpi's 60 devices at one a minute, a 60-minute wave (grace: 30 minutes)
    const config = localConfigWith(rolloutRate('field-rpi', 1));
    // Devices apply in seconds, so between two notifications none is in progress.
    const emulator = await start({ fleetSize: 60, fleet: { applyMs: [1000, 5000] } }, config);
    // Act
    const s = await runSimulation({
      approve: true,
      timeoutSeconds: 400,
      endpoint: emulator.url,
      config,
    });
    // Assess: every device got the release; devices the rollout had not reached yet were
    // never taken for offline ones.
    expect(s.status).toBe('SUCCEEDED');
    const deployed = emulator.world.sns.find((m) => / deployed$/.test(m.subject ?? ''));
    expect(deployed?.message).not.toContain('offline');
    expect(devicesOn(emulator, ['field-rpi'], '1.0.7')).toHaveLength(60);
    // Polls of the slow wave: its status reads (GetDeployment) stay in the log of its
    // duration (a fixed 2-minute interval would read it 30 times).
    const slowWave = waveEntries(emulator, s.executionArn!, 'Check Wave', 'field-rpi');
    expect(slowWave.length).toBeGreaterThan(0);
    expect(slowWave.length).toBeLessThanOrEqual(12);
  }, 400_000);

  it('AllOrNothing: when the second fleet aborts, the first (already finished) goes back too, checked device by device', async () => {
    // Prepare: factory-jetson tolerates every failure; field-rpi tolerates none.
    const config = localConfigWith(
      [
        'abort: { failureThresholdPercentage: 10, minExecutedThings: 2 }',
        'abort: { failureThresholdPercentage: 100, minExecutedThings: 2 }',
      ],
      [
        'abort: { failureThresholdPercentage: 5, minExecutedThings: 10 }',
        'abort: { failureThresholdPercentage: 100, minExecutedThings: 10 }',
      ],
      [
        'abort: { failureThresholdPercentage: 10, minExecutedThings: 3 }',
        'abort: { failureThresholdPercentage: 0, minExecutedThings: 1 }',
      ],
    );
    const emulator = await start({ deviceFailureRate: 0.3, fleetSize: 8 }, config);
    // Act
    const s = await runSimulation({
      approve: true,
      timeoutSeconds: 300,
      endpoint: emulator.url,
      config,
    });
    // Assess
    expect(s.status).toBe('FAILED');
    expect(s.error).toBe('RolloutAborted');
    expect(s.statesVisited).toContain('Complete Fleet Rollout');
    expect(s.cause).toContain('wave all of fleet field-rpi ABORTED');
    expect(s.cause).toContain(
      'rolled back factory-jetson (had completed; all-or-nothing) canary, main: removed the model (no earlier release)',
    );
    expectRollbackTruthful(emulator, s.cause!, [
      'factory-jetson-canary',
      'factory-jetson-main',
      'field-rpi',
    ]);
    expect(await leasesHeld(emulator)).toEqual([]);
  }, 400_000);

  it('KeepFinishedFleets: with onLaterFleetFailure keep, the finished fleet stays on the new release and the cause says so', async () => {
    // Prepare
    const config = localConfigWith(
      [
        '        platform: jetson-xavier\n        waves:',
        '        platform: jetson-xavier\n        onLaterFleetFailure: keep\n        waves:',
      ],
      [
        'abort: { failureThresholdPercentage: 10, minExecutedThings: 2 }',
        'abort: { failureThresholdPercentage: 100, minExecutedThings: 2 }',
      ],
      [
        'abort: { failureThresholdPercentage: 5, minExecutedThings: 10 }',
        'abort: { failureThresholdPercentage: 100, minExecutedThings: 10 }',
      ],
      [
        'abort: { failureThresholdPercentage: 10, minExecutedThings: 3 }',
        'abort: { failureThresholdPercentage: 0, minExecutedThings: 1 }',
      ],
    );
    const emulator = await start({ deviceFailureRate: 0.3, fleetSize: 8 }, config);
    // Act
    const s = await runSimulation({
      approve: true,
      timeoutSeconds: 300,
      endpoint: emulator.url,
      config,
    });
    // Assess
    expect(s.status).toBe('FAILED');
    expect(s.cause).toContain('kept on v7 (onLaterFleetFailure: keep): factory-jetson');
    expect(s.cause).not.toContain('rolled back factory-jetson');
    expect(
      devicesOn(emulator, ['factory-jetson-canary', 'factory-jetson-main'], '1.0.7').length,
    ).toBeGreaterThan(0);
    expectRollbackTruthful(emulator, s.cause!, ['field-rpi']);
  }, 400_000);
});
