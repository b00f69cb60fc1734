import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  GetDeploymentCommand,
  GreengrassV2Client,
  ListCoreDevicesCommand,
  ListInstalledComponentsCommand,
} from '@aws-sdk/client-greengrassv2';
import { DescribeJobCommand, IoTClient, ListJobExecutionsForJobCommand } from '@aws-sdk/client-iot';
import { mockClient } from 'aws-sdk-client-mock';
import { bakeVerdict } from '../../../functions/check-deployment/bake';
import {
  bakeWaitSeconds,
  checkDeployment,
  graceEndOf,
} from '../../../functions/check-deployment/check-deployment';
import { breaches } from '../../../functions/check-deployment/metric-analysis';
import { type JobCounts, judge } from '../../../functions/check-deployment/settle';
import { checkRollback } from '../../../functions/check-rollback/check-rollback';
import {
  fleetRollbackSentence,
  rollbackSettled,
  runsBadRelease,
} from '../../../functions/check-rollback/rollback-verdict';
import { silentLogger } from '../../helpers/fixtures';

const counts = (c: Partial<JobCounts>): JobCounts => ({
  succeeded: 0,
  failed: 0,
  timedOut: 0,
  rejected: 0,
  canceled: 0,
  removed: 0,
  queued: 0,
  inProgress: 0,
  ...c,
});
const abort = { failureThresholdPercentage: 10, minExecutedThings: 5 };

describe('judge: a wave settles on the devices that reported', () => {
  it('waits for queued devices until the grace period is over', () => {
    // Act
    const before = judge({ counts: counts({ succeeded: 9, queued: 1 }), processing: 0, abort });
    const after = judge({
      counts: counts({ succeeded: 9, queued: 1 }),
      processing: 0,
      abort,
      graceOver: true,
    });
    // Assess
    expect(before.status).toBe('IN_PROGRESS');
    expect(after).toEqual({ status: 'SUCCEEDED', failureRate: 0 });
  });

  it('never settles while a device is in progress (its IoT timeout decides), grace or not', () => {
    // Act
    const verdict = judge({
      counts: counts({ succeeded: 9, inProgress: 1 }),
      processing: 0,
      abort,
      graceOver: true,
    });
    // Assess
    expect(verdict.status).toBe('IN_PROGRESS');
  });

  it('never lets offline devices abort a wave: the failure share counts reporters only', () => {
    // Act: 8 offline, 2 reported success.
    const verdict = judge({
      counts: counts({ succeeded: 2, queued: 8 }),
      processing: 0,
      abort,
      graceOver: true,
    });
    // Assess
    expect(verdict).toEqual({ status: 'SUCCEEDED', failureRate: 0 });
  });

  it('judges the failure share once everyone reported, even below the minimum of executed devices', () => {
    // Act: 1 of 2 reporters failed; the minimum of 5 executed devices never came.
    const verdict = judge({
      counts: counts({ succeeded: 1, failed: 1, queued: 3 }),
      processing: 0,
      abort,
      graceOver: true,
    });
    // Assess
    expect(verdict).toEqual({
      status: 'ABORTED',
      failureRate: 50,
      reason: '1 of 2 devices failed (50%), over the 10% threshold',
    });
  });

  it('keeps waiting when nobody reported yet, even after the grace period', () => {
    // Act
    const verdict = judge({ counts: counts({ queued: 5 }), processing: 0, abort, graceOver: true });
    // Assess
    expect(verdict.status).toBe('IN_PROGRESS');
  });
});

describe('bakeVerdict', () => {
  const base = {
    now: 1_000,
    bakeUntil: 2_000,
    succeeded: 10,
    unhealthy: { count: 0, devices: [] },
    failureThresholdPercentage: 10,
  };

  it('bakes until the bake time is over, then succeeds', () => {
    // Act / Assess
    expect(bakeVerdict(base)).toEqual({ status: 'BAKING' });
    expect(bakeVerdict({ ...base, now: 2_000 })).toEqual({ status: 'SUCCEEDED' });
  });

  it('aborts when the unhealthy share is over the threshold, naming devices and components', () => {
    // Act
    const verdict = bakeVerdict({
      ...base,
      unhealthy: { count: 2, devices: ['jet-01 (com.example.inference BROKEN)', 'jet-04'] },
    });
    // Assess
    expect(verdict).toEqual({
      status: 'ABORTED',
      reason:
        '2 of 10 devices unhealthy after the deployment (20%), over the 10% threshold: jet-01 (com.example.inference BROKEN), jet-04',
    });
  });

  it('aborts on a share just over the threshold, before any rounding (10,001 of 100,000 at 10 %)', () => {
    // Act
    const verdict = bakeVerdict({
      ...base,
      succeeded: 100_000,
      unhealthy: { count: 10_001, devices: [] },
    });
    // Assess
    expect(verdict.status).toBe('ABORTED');
  });

  it('tolerates unhealthy devices within the threshold, and says so at the end', () => {
    // Act
    const verdict = bakeVerdict({
      ...base,
      now: 2_000,
      unhealthy: { count: 1, devices: ['jet-01'] },
    });
    // Assess
    expect(verdict.status).toBe('SUCCEEDED');
    expect(verdict.reason).toContain('1 of 10 devices unhealthy, within the 10% threshold: jet-01');
  });

  it('aborts when the metric analysis breached its threshold', () => {
    // Act
    const verdict = bakeVerdict({
      ...base,
      metric: { breached: true, description: 'edge/ErrorRate Average 7 > 5' },
    });
    // Assess
    expect(verdict).toEqual({
      status: 'ABORTED',
      reason: 'metric analysis failed: edge/ErrorRate Average 7 > 5',
    });
  });

  it('compares metric values in the configured direction', () => {
    // Prepare
    const analysis = {
      namespace: 'edge',
      metricName: 'Accuracy',
      dimensions: {},
      statistic: 'Average' as const,
      periodSeconds: 60,
      threshold: 0.9,
      comparison: 'LessThanThreshold' as const,
    };
    // Act / Assess
    expect(breaches([0.95, 0.85, 0.91], analysis)).toEqual([0.85]);
    expect(breaches([0.95], { ...analysis, comparison: 'GreaterThanThreshold' })).toEqual([0.95]);
  });
});

describe('checkDeployment of a production wave', () => {
  const greengrass = mockClient(GreengrassV2Client);
  const iot = mockClient(IoTClient);
  const cloudwatch = mockClient(CloudWatchClient);
  const clientsFor = () => ({ greengrass: new GreengrassV2Client({}), iot: new IoTClient({}) });
  const started = '2026-11-25T10:00:00.000Z';
  const wave = {
    deploymentId: 'd-1',
    targetArn: 'arn:aws:iot:us-east-1:000000000000:thinggroup/factory-jetson-canary',
    fleet: 'factory-jetson',
    waveName: 'canary',
    abort,
    startedAt: started,
    graceMinutes: 30,
    bakeMinutes: 5,
    poll: { attempt: 3, waitSeconds: 60, deadline: '2026-11-25T14:00:00.000Z' },
  };
  const at = (iso: string) => ({
    clientsFor,
    cloudwatch: async () => new CloudWatchClient({}),
    logger: silentLogger(),
    now: () => new Date(iso),
  });
  beforeEach(() => {
    greengrass.reset();
    iot.reset();
    cloudwatch.reset();
    greengrass.on(GetDeploymentCommand).resolves({ deploymentStatus: 'ACTIVE', iotJobId: 'j-1' });
    iot.on(DescribeJobCommand).resolves({
      job: {
        status: 'IN_PROGRESS',
        jobProcessDetails: { numberOfSucceededThings: 9, numberOfQueuedThings: 1 },
      },
    });
    iot.on(ListJobExecutionsForJobCommand, { status: 'QUEUED' }).resolves({
      executionSummaries: [{ thingArn: 'arn:aws:iot:us-east-1:000000000000:thing/jet-07' }],
    });
    greengrass.on(ListCoreDevicesCommand).resolves({ coreDevices: [] });
  });

  it('starts baking once the grace period let it settle, reads health now and next at the bake’s end', async () => {
    // Act
    const result = await checkDeployment({ deployment: wave }, at('2026-11-25T10:31:00.000Z'));
    // Assess
    expect(result.status).toBe('BAKING');
    expect(result.bakeUntil).toBe('2026-11-25T10:36:00.000Z');
    // A 5-minute bake: health read now and at its end.
    expect(result.poll.waitSeconds).toBe(300);
    expect(greengrass).toHaveReceivedCommandWith(ListCoreDevicesCommand, {
      thingGroupArn: wave.targetArn,
      status: 'UNHEALTHY',
    });
  });

  it('succeeds after the bake, naming the offline devices', async () => {
    // Act
    const result = await checkDeployment(
      { deployment: { ...wave, bakeUntil: '2026-11-25T10:36:00.000Z' } },
      at('2026-11-25T10:36:00.000Z'),
    );
    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(result.devices?.offline).toEqual(['jet-07']);
  });

  it('aborts while baking when components crashed, with a cause that names them', async () => {
    // Prepare
    greengrass.on(ListCoreDevicesCommand).resolves({
      coreDevices: [
        { coreDeviceThingName: 'jet-02', status: 'UNHEALTHY' },
        { coreDeviceThingName: 'jet-05', status: 'UNHEALTHY' },
      ],
    });
    greengrass.on(ListInstalledComponentsCommand).resolves({
      installedComponents: [
        { componentName: 'com.example.defectdetector.inference', lifecycleState: 'BROKEN' },
        { componentName: 'aws.greengrass.Nucleus', lifecycleState: 'FINISHED' },
      ],
    });
    // Act
    const result = await checkDeployment(
      { deployment: { ...wave, bakeUntil: '2026-11-25T10:36:00.000Z' } },
      at('2026-11-25T10:33:00.000Z'),
    );
    // Assess
    expect(result.status).toBe('ABORTED');
    expect(result.summary).toContain('wave canary of fleet factory-jetson ABORTED');
    expect(result.summary).toContain(
      'jet-02 (com.example.defectdetector.inference BROKEN), jet-05 (com.example.defectdetector.inference BROKEN)',
    );
  });

  it('reads unhealthy devices of a huge wave until they decide: 30,000 of 100,000 abort it, a healthy one costs one page', async () => {
    // Prepare: 100,000 devices succeeded; 30,000 of them unhealthy, 100 a page
    iot.on(DescribeJobCommand).resolves({
      job: { status: 'IN_PROGRESS', jobProcessDetails: { numberOfSucceededThings: 100_000 } },
    });
    const page = (n: number) => ({
      coreDevices: Array.from({ length: 100 }, (_, i) => ({
        coreDeviceThingName: `jet-${n * 100 + i}`,
        status: 'UNHEALTHY' as const,
      })),
      ...(n < 299 ? { nextToken: String(n + 1) } : {}),
    });
    greengrass
      .on(ListCoreDevicesCommand)
      .callsFake(async (input: { nextToken?: string }) => page(Number(input.nextToken ?? 0)));
    greengrass.on(ListInstalledComponentsCommand).resolves({ installedComponents: [] });
    const baking = { ...wave, bakeUntil: '2026-11-25T10:36:00.000Z' };
    // Act
    const sick = await checkDeployment({ deployment: baking }, at('2026-11-25T10:33:00.000Z'));
    const pagesRead = greengrass.commandCalls(ListCoreDevicesCommand).length;
    greengrass.on(ListCoreDevicesCommand).resolves({ coreDevices: [] });
    greengrass.resetHistory();
    const healthy = await checkDeployment({ deployment: baking }, at('2026-11-25T10:33:00.000Z'));
    // Assess: over the 10 % threshold once 10,001 are counted (101 pages), not all 300 read;
    // a healthy wave reads one page whatever its size.
    expect(sick.status).toBe('ABORTED');
    expect(sick.summary).toContain(
      'at least 10100 of 100000 devices unhealthy after the deployment (10.1%), over the 10% threshold',
    );
    expect(pagesRead).toBe(101);
    expect(healthy.status).toBe('BAKING');
    expect(greengrass.commandCalls(ListCoreDevicesCommand)).toHaveLength(1);
  });

  it('aborts while baking when the fleet metric analysis breaches', async () => {
    // Prepare
    cloudwatch
      .on(GetMetricDataCommand)
      .resolves({ MetricDataResults: [{ Id: 'analysis', Values: [0.02, 0.2] }] });
    const analysis = {
      namespace: 'edge-mlops/inference',
      metricName: 'ErrorRate',
      dimensions: { fleet: 'factory-jetson' },
      statistic: 'Average',
      periodSeconds: 60,
      threshold: 0.05,
      comparison: 'GreaterThanThreshold',
    };
    // Act
    const result = await checkDeployment(
      { deployment: { ...wave, analysis, bakeUntil: '2026-11-25T10:36:00.000Z' } },
      at('2026-11-25T10:33:00.000Z'),
    );
    // Assess
    expect(result.status).toBe('ABORTED');
    expect(result.reason).toContain('metric analysis failed: edge-mlops/inference/ErrorRate');
    expect(cloudwatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input).toMatchObject({
      StartTime: new Date('2026-11-25T10:31:00.000Z'),
      EndTime: new Date('2026-11-25T10:33:00.000Z'),
    });
  });
});

describe('rollback verification', () => {
  it('settles a rollback like a wave: offline devices wait out the grace period', () => {
    // Act / Assess
    expect(rollbackSettled(counts({ succeeded: 3, queued: 1 }), false)).toBe(false);
    expect(rollbackSettled(counts({ succeeded: 3, queued: 1 }), true)).toBe(true);
    expect(rollbackSettled(counts({ succeeded: 3, inProgress: 1 }), true)).toBe(false);
  });

  it('tells a device on the failed release from one that never got it', () => {
    // Prepare
    const bad = { 'com.example.model': { componentVersion: '1.0.8' } };
    // Act / Assess
    expect(
      runsBadRelease([{ componentName: 'com.example.model', componentVersion: '1.0.8' }], bad),
    ).toBe(true);
    expect(
      runsBadRelease([{ componentName: 'com.example.model', componentVersion: '1.0.7' }], bad),
    ).toBe(false);
    expect(runsBadRelease([], bad)).toBe(false);
  });

  it('says "on all devices" only when no device is left on the failed release', () => {
    // Prepare
    const fleet = { fleet: 'f', finished: false, restored: 'v7 (m 1.0.7)', waves: ['canary'] };
    // Act
    const ok = fleetRollbackSentence(fleet, 8, [], false);
    const notOk = fleetRollbackSentence(
      fleet,
      8,
      [{ device: 'jet-03', fleet: 'f', wave: 'canary', status: 'FAILED' }],
      false,
    );
    const unknown = fleetRollbackSentence(fleet, 8, [], true);
    // Assess
    expect(ok).toBe('rolled back f canary: restored v7 (m 1.0.7) on all devices');
    expect(notOk).toBe(
      'rolled back f canary: restored v7 (m 1.0.7) EXCEPT 1 device(s) still on v8: jet-03 (canary, FAILED)',
    );
    expect(unknown).not.toContain('on all devices');
  });

  describe('checkRollback', () => {
    const greengrass = mockClient(GreengrassV2Client);
    const iot = mockClient(IoTClient);
    const clientsFor = () => ({ greengrass: new GreengrassV2Client({}), iot: new IoTClient({}) });
    const rollback = {
      error: { Error: 'RolloutAborted', Cause: 'wave canary of fleet factory-jetson ABORTED' },
      fleets: [
        {
          fleet: 'factory-jetson',
          finished: false,
          restoredVersion: 7,
          restored: 'v7 (com.example.model 1.0.7)',
          bad: { 'com.example.model': { componentVersion: '1.0.8' } },
          graceMinutes: 30,
          waves: [
            {
              wave: 'canary',
              targetArn: 'arn:aws:iot:us-east-1:000000000000:thinggroup/c',
              deploymentId: 'd-rb',
              created: true,
              changed: true,
            },
          ],
        },
      ],
      kept: [],
      lost: [],
      startedAt: '2026-11-25T10:00:00.000Z',
      poll: { attempt: 0, waitSeconds: 15, deadline: '2026-11-25T14:00:00.000Z' },
    };
    const metrics = { addMetric: jest.fn(), publishStoredMetrics: jest.fn() };
    const deps = (iso: string) => ({
      clientsFor,
      logger: silentLogger(),
      now: () => new Date(iso),
      metrics: metrics as never,
    });
    beforeEach(() => {
      greengrass.reset();
      iot.reset();
      metrics.addMetric.mockReset();
      greengrass.on(GetDeploymentCommand).resolves({ iotJobId: 'j-rb' });
      iot.on(ListJobExecutionsForJobCommand).resolves({ executionSummaries: [] });
    });

    it('keeps polling while the rollback deployment is still being applied', async () => {
      // Prepare
      iot.on(DescribeJobCommand).resolves({
        job: { jobProcessDetails: { numberOfSucceededThings: 2, numberOfInProgressThings: 1 } },
      });
      // Act
      const result = await checkRollback(
        { modelPackageVersion: 8, rollback },
        deps('2026-11-25T10:01:00.000Z'),
      );
      // Assess
      expect(result.done).toBe(false);
      expect(result.poll.attempt).toBe(1);
    });

    it('reports "on all devices" when every device applied the rollback', async () => {
      // Prepare
      iot.on(DescribeJobCommand).resolves({
        job: { jobProcessDetails: { numberOfSucceededThings: 3 } },
      });
      // Act
      const result = await checkRollback(
        { modelPackageVersion: 8, rollback },
        deps('2026-11-25T10:02:00.000Z'),
      );
      // Assess
      expect(result).toMatchObject({ done: true, verified: true, stillBad: [] });
      expect(result.cause).toBe(
        'wave canary of fleet factory-jetson ABORTED; rolled back factory-jetson canary: restored v7 (com.example.model 1.0.7) on all devices',
      );
      expect(metrics.addMetric).not.toHaveBeenCalled();
    });

    it('names each device still on the failed release and raises the RollbacksIncomplete metric', async () => {
      // Prepare: jet-03 failed the rollback (keeps 1.0.8); jet-04 failed but never had 1.0.8.
      iot.on(DescribeJobCommand).resolves({
        job: { jobProcessDetails: { numberOfSucceededThings: 1, numberOfFailedThings: 2 } },
      });
      iot.on(ListJobExecutionsForJobCommand, { status: 'FAILED' }).resolves({
        executionSummaries: [
          { thingArn: 'arn:aws:iot:us-east-1:000000000000:thing/jet-03' },
          { thingArn: 'arn:aws:iot:us-east-1:000000000000:thing/jet-04' },
        ],
      });
      greengrass
        .on(ListInstalledComponentsCommand, { coreDeviceThingName: 'jet-03' })
        .resolves({
          installedComponents: [{ componentName: 'com.example.model', componentVersion: '1.0.8' }],
        })
        .on(ListInstalledComponentsCommand, { coreDeviceThingName: 'jet-04' })
        .resolves({
          installedComponents: [{ componentName: 'com.example.model', componentVersion: '1.0.7' }],
        });
      // Act
      const result = await checkRollback(
        { modelPackageVersion: 8, rollback },
        deps('2026-11-25T10:02:00.000Z'),
      );
      // Assess
      expect(result.verified).toBe(false);
      expect(result.stillBad).toEqual([
        { device: 'jet-03', fleet: 'factory-jetson', wave: 'canary', status: 'FAILED' },
      ]);
      expect(result.cause).toContain('EXCEPT 1 device(s) still on v8: jet-03 (canary, FAILED)');
      expect(result.cause).not.toContain('on all devices');
      expect(metrics.addMetric).toHaveBeenCalledWith('RollbacksIncomplete', 'Count', 1);
    });
  });
});

describe('graceEndOf: when QUEUED devices count as offline', () => {
  const counts = (queued: number, succeeded: number) => ({
    succeeded,
    failed: 0,
    timedOut: 0,
    rejected: 0,
    canceled: 0,
    removed: 0,
    queued,
    inProgress: 0,
  });
  const wave = { startedAt: '2026-11-26T10:00:00.000Z', graceMinutes: 30 } as never;

  it('starts the grace period once the slowest rollout rate could have reached every device', () => {
    // Act: 60 devices at 1 a minute
    const end = graceEndOf({ ...(wave as object), rolloutPerMinute: 1 } as never, counts(30, 30));
    // Assess
    expect(end?.toISOString()).toBe('2026-11-26T11:30:00.000Z');
  });

  it('counts from the start when the rollout reaches everyone at once', () => {
    expect(graceEndOf(wave, counts(1, 9))?.toISOString()).toBe('2026-11-26T10:30:00.000Z');
  });
});

describe('bakeWaitSeconds (health reads while a wave bakes)', () => {
  it('reads health at the end of a short bake, and at least every 10 minutes of a long one', () => {
    // Act & Assess
    expect(bakeWaitSeconds(300)).toBe(300);
    expect(bakeWaitSeconds(3600)).toBe(600);
  });

  it('never waits past the bake’s end nor beyond the wave’s poll ceiling', () => {
    // Act & Assess
    expect(bakeWaitSeconds(40)).toBe(40);
    expect(bakeWaitSeconds(3600, 300)).toBe(300);
  });
});
