import {
  CancelDeploymentCommand,
  CreateDeploymentCommand,
  GetDeploymentCommand,
  GreengrassV2Client,
  ListDeploymentsCommand,
} from '@aws-sdk/client-greengrassv2';
import { IoTClient } from '@aws-sdk/client-iot';
import { mockClient } from 'aws-sdk-client-mock';
import { acquireFleetLease } from '../../../functions/acquire-fleet-lease/acquire-fleet-lease';
import { completeFleetRollout } from '../../../functions/complete-fleet-rollout/complete-fleet-rollout';
import { rollBackFleet } from '../../../functions/roll-back-fleet/roll-back-fleet';
import type { Plan } from '../../../functions/shared/plan';
import { getFleetRecord } from '../../../functions/shared/state-store';
import { startWave } from '../../../functions/start-wave/start-wave';
import { type LocalTable, startLocalTable } from '../../helpers/dynalite';
import { registeredComponents, samplePlan, silentLogger } from '../../helpers/fixtures';

const greengrass = mockClient(GreengrassV2Client);
const clientsFor = () => ({ greengrass: new GreengrassV2Client({}), iot: new IoTClient({}) });
const NOW = new Date('2026-11-25T12:00:00Z');

let db: LocalTable;
let plan: Plan;
let v8: Plan;
beforeAll(async () => {
  db = await startLocalTable();
  plan = await samplePlan();
  v8 = {
    ...plan,
    modelPackageVersion: 8,
    modelPackageArn: plan.modelPackageArn.replace(/7$/, '8'),
    executionArn: `${plan.executionArn}-v8`,
    targets: plan.targets.map((t) => ({
      ...t,
      modelComponent: { ...t.modelComponent, version: '1.0.8' },
    })),
    modelComponent: { ...plan.modelComponent, version: '1.0.8' },
  };
});
afterAll(() => db.close());
beforeEach(() => greengrass.reset());

const store = () => ({ dynamo: db.doc, table: db.table });
const item = (p: Plan, fleetIndex = 0, waveIndex = 0) => ({
  plan: p,
  components: registeredComponents(p),
  fleet: p.fleets[fleetIndex]!,
  waveIndex,
});
// Each test uses its own group so that fleet records do not leak between tests.
const isolated = (p: Plan, group: string) => ({ ...p, modelPackageGroupName: group });

describe('acquireFleetLease', () => {
  it('grants the lease to one execution and refuses a second while it is held', async () => {
    // Prepare
    const a = isolated(plan, 'lease-a');
    const b = { ...isolated(v8, 'lease-a') };
    // Act
    await acquireFleetLease(item(a), {
      store: store(),
      logger: silentLogger(),
      now: () => NOW.getTime(),
    });
    const second = acquireFleetLease(item(b), {
      store: store(),
      logger: silentLogger(),
      now: () => NOW.getTime(),
    });
    // Assess
    await expect(second).rejects.toMatchObject({
      name: 'FleetBusy',
      message: expect.stringContaining(`being rolled out by ${a.executionArn}`),
    });
  });

  it('grants it again to the holder (a retry)', async () => {
    // Prepare
    const a = isolated(plan, 'lease-b');
    await acquireFleetLease(item(a), {
      store: store(),
      logger: silentLogger(),
      now: () => NOW.getTime(),
    });
    // Act & Assess
    await expect(
      acquireFleetLease(item(a), {
        store: store(),
        logger: silentLogger(),
        now: () => NOW.getTime(),
      }),
    ).resolves.toMatchObject({ holder: a.executionArn });
  });

  it('recovers an expired lease for another execution', async () => {
    // Prepare
    const a = isolated(plan, 'lease-c');
    const b = isolated(v8, 'lease-c');
    const first = await acquireFleetLease(item(a), {
      store: store(),
      logger: silentLogger(),
      now: () => NOW.getTime(),
    });
    // Act
    const later = Date.parse(first.expiresAt) + 1;
    const taken = await acquireFleetLease(item(b), {
      store: store(),
      logger: silentLogger(),
      now: () => later,
    });
    // Assess
    expect(taken.holder).toBe(b.executionArn);
  });
});

describe('startWave', () => {
  it("deploys the fleet's platform build to the wave's group with rollout rate, abort criteria and device timeout", async () => {
    // Prepare
    greengrass.on(ListDeploymentsCommand).resolves({ deployments: [] });
    greengrass.on(CreateDeploymentCommand).resolves({ deploymentId: 'd-main' });
    // Act
    const result = await startWave(item(plan, 0, 1), {
      clientsFor,
      logger: silentLogger(),
      now: () => NOW,
    });
    // Assess
    expect(result).toMatchObject({
      fleet: 'factory-jetson',
      waveName: 'main',
      waveIndex: 1,
      isLastWave: true,
      nextWaveIndex: 2,
      deploymentId: 'd-main',
      abort: { failureThresholdPercentage: 5, minExecutedThings: 10 },
    });
    expect(greengrass).toHaveReceivedCommandWith(CreateDeploymentCommand, {
      targetArn: 'arn:aws:iot:us-east-1:000000000000:thinggroup/factory-jetson-main',
      components: {
        'com.example.defectdetector.model': { componentVersion: '1.0.7' },
        'com.example.defectdetector.inference': { componentVersion: '1.4.0' },
      },
      iotJobConfiguration: {
        jobExecutionsRolloutConfig: {
          maximumPerMinute: 500,
          exponentialRate: {
            baseRatePerMinute: 20,
            incrementFactor: 2,
            rateIncreaseCriteria: { numberOfSucceededThings: 10 },
          },
        },
        abortConfig: {
          criteriaList: [
            {
              failureType: 'ALL',
              action: 'CANCEL',
              thresholdPercentage: 5,
              minNumberOfExecutedThings: 10,
            },
          ],
        },
        timeoutConfig: { inProgressTimeoutInMinutes: 60 },
      },
    });
  });

  it('deploys the Raspberry Pi build to the Raspberry Pi fleet', async () => {
    // Prepare
    greengrass.on(ListDeploymentsCommand).resolves({ deployments: [] });
    greengrass.on(CreateDeploymentCommand).resolves({ deploymentId: 'd-rpi' });
    // Act
    const result = await startWave(item(plan, 1, 0), {
      clientsFor,
      logger: silentLogger(),
      now: () => NOW,
    });
    // Assess
    expect(result.isLastWave).toBe(true);
    expect(greengrass).toHaveReceivedCommandWith(CreateDeploymentCommand, {
      targetArn: 'arn:aws:iot:us-east-1:000000000000:thinggroup/field-rpi',
    });
  });
});

describe('completeFleetRollout and rollBackFleet', () => {
  const aborted = (p: Plan, waveIndex: number) => ({
    ...item(p, 0, waveIndex),
    wave: {
      waveIndex,
      waveName: p.fleets[0]!.waves[waveIndex]!.name,
      deploymentId: 'd-bad',
      status: 'ABORTED',
      reason: '3 of 10 devices failed (30%), over the 5% threshold',
      counts: {
        succeeded: 7,
        failed: 3,
        timedOut: 0,
        rejected: 0,
        canceled: 0,
        removed: 0,
        queued: 0,
        inProgress: 0,
      },
      failureRate: 30,
      abort: { failureThresholdPercentage: 5, minExecutedThings: 10 },
      devices: { failed: ['jet-0003', 'jet-0007', 'jet-0009'], stuck: [] },
    },
  });

  it('records the release as last good, keeps the one before as previous good, and frees the lease', async () => {
    // Prepare
    const a = isolated(plan, 'complete-a');
    const b = isolated(v8, 'complete-a');
    await acquireFleetLease(item(a), {
      store: store(),
      logger: silentLogger(),
      now: () => NOW.getTime(),
    });
    await completeFleetRollout(item(a), { store: store(), logger: silentLogger(), now: () => NOW });
    await acquireFleetLease(item(b), {
      store: store(),
      logger: silentLogger(),
      now: () => NOW.getTime(),
    });
    // Act
    const result = await completeFleetRollout(item(b), {
      store: store(),
      logger: silentLogger(),
      now: () => NOW,
    });
    await completeFleetRollout(item(b), { store: store(), logger: silentLogger(), now: () => NOW });
    // Assess
    const record = await getFleetRecord(store(), 'complete-a', 'factory-jetson');
    expect(result).toMatchObject({
      status: 'DEPLOYED',
      modelPackageVersion: 8,
      previousVersion: 7,
    });
    expect(record.lastGood?.modelPackageVersion).toBe(8);
    expect(record.previousGood?.modelPackageVersion).toBe(7);
    expect(record.leaseHolder).toBeUndefined();
  });

  it('cancels the aborted wave and redeploys the last good versions to every wave reached, naming wave, counts and threshold', async () => {
    // Prepare
    const a = isolated(plan, 'rollback-a');
    const b = isolated(v8, 'rollback-a');
    await completeFleetRollout(item(a), { store: store(), logger: silentLogger(), now: () => NOW });
    await acquireFleetLease(item(b), {
      store: store(),
      logger: silentLogger(),
      now: () => NOW.getTime(),
    });
    greengrass.on(CancelDeploymentCommand).resolves({});
    greengrass
      .on(ListDeploymentsCommand)
      .resolves({ deployments: [{ deploymentId: 'd-bad', isLatestForTarget: true }] });
    greengrass.on(GetDeploymentCommand).resolves({
      deploymentId: 'd-bad',
      deploymentStatus: 'ACTIVE',
      components: {
        'aws.greengrass.Nucleus': { componentVersion: '2.12.6' },
        'com.example.defectdetector.model': { componentVersion: '1.0.8' },
        'com.example.defectdetector.inference': { componentVersion: '1.4.0' },
      },
    });
    greengrass.on(CreateDeploymentCommand).resolves({ deploymentId: 'd-rollback' });
    // Act
    const result = await rollBackFleet(aborted(b, 1), {
      clientsFor,
      store: store(),
      logger: silentLogger(),
    });
    // Assess
    expect(greengrass).toHaveReceivedCommandWith(CancelDeploymentCommand, {
      deploymentId: 'd-bad',
    });
    const deployments = greengrass
      .commandCalls(CreateDeploymentCommand)
      .map((c) => c.args[0].input);
    expect(deployments.map((d) => d.targetArn)).toEqual([
      'arn:aws:iot:us-east-1:000000000000:thinggroup/factory-jetson-canary',
      'arn:aws:iot:us-east-1:000000000000:thinggroup/factory-jetson-main',
    ]);
    for (const d of deployments) {
      expect(d.components).toEqual({
        'aws.greengrass.Nucleus': { componentVersion: '2.12.6' },
        'com.example.defectdetector.model': { componentVersion: '1.0.7' },
        'com.example.defectdetector.inference': { componentVersion: '1.4.0' },
      });
    }
    expect(result.restoredVersion).toBe(7);
    expect(result.cause).toContain(
      'wave main of fleet factory-jetson ABORTED: 3 of 10 devices failed (30%), over the 5% threshold',
    );
    expect(result.cause).toContain(
      'restored v7 (com.example.defectdetector.model 1.0.7, com.example.defectdetector.inference 1.4.0)',
    );
    expect(result.cause).toContain('failed devices: jet-0003, jet-0007, jet-0009');
    expect(
      (await getFleetRecord(store(), 'rollback-a', 'factory-jetson')).leaseHolder,
    ).toBeUndefined();
  });

  it('removes our components when the fleet never had a good release', async () => {
    // Prepare
    const first = isolated(plan, 'rollback-b');
    greengrass
      .on(CancelDeploymentCommand)
      .rejects(Object.assign(new Error('already cancelled'), { name: 'ConflictException' }));
    greengrass
      .on(ListDeploymentsCommand)
      .resolves({ deployments: [{ deploymentId: 'd-bad', isLatestForTarget: true }] });
    greengrass.on(GetDeploymentCommand).resolves({
      deploymentId: 'd-bad',
      deploymentStatus: 'ACTIVE',
      components: {
        'aws.greengrass.Nucleus': { componentVersion: '2.12.6' },
        'com.example.defectdetector.model': { componentVersion: '1.0.7' },
      },
    });
    greengrass.on(CreateDeploymentCommand).resolves({ deploymentId: 'd-rollback' });
    // Act
    const result = await rollBackFleet(aborted(first, 0), {
      clientsFor,
      store: store(),
      logger: silentLogger(),
    });
    // Assess
    expect(greengrass.commandCalls(CreateDeploymentCommand)[0]!.args[0].input.components).toEqual({
      'aws.greengrass.Nucleus': { componentVersion: '2.12.6' },
    });
    expect(result.cause).toContain('removed the model (no earlier release)');
  });
});
