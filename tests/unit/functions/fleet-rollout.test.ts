import {
  CancelDeploymentCommand,
  CreateDeploymentCommand,
  GetDeploymentCommand,
  GreengrassV2Client,
  ListDeploymentsCommand,
} from '@aws-sdk/client-greengrassv2';
import { IoTClient } from '@aws-sdk/client-iot';
import { mockClient } from 'aws-sdk-client-mock';
import { completeFleetRollout } from '../../../functions/complete-fleet-rollout/complete-fleet-rollout';
import { rollBackFleet } from '../../../functions/roll-back-fleet/roll-back-fleet';
import type { Plan } from '../../../functions/shared/plan';
import { getFleetRecord } from '../../../functions/shared/state-store';
import { leaseFleet } from '../../../functions/start-wave/lease-fleet';
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

/** Start Wave as the handler wires it: the fleet's lease in the state table. */
const waveDeps = (now = NOW) => ({
  clientsFor,
  logger: silentLogger(),
  now: () => now,
  leaseFleet: (p: Plan, fleet: Plan['fleets'][number]) =>
    leaseFleet(p, fleet, { store: store(), logger: silentLogger(), now: () => now }),
});
/** A target that runs what was last deployed to it, as Greengrass does. */
const deploymentsKept = () => {
  const latest = new Map<string, { deploymentId: string; components: unknown }>();
  greengrass.on(CreateDeploymentCommand).callsFake((input) => {
    const deploymentId = `d-${latest.size + 1}`;
    latest.set(String(input.targetArn), { deploymentId, components: input.components });
    return { deploymentId };
  });
  greengrass.on(ListDeploymentsCommand).callsFake((input) => {
    const d = latest.get(String(input.targetArn));
    return { deployments: d ? [{ deploymentId: d.deploymentId, isLatestForTarget: true }] : [] };
  });
  greengrass.on(GetDeploymentCommand).callsFake((input) => {
    const d = [...latest.values()].find((l) => l.deploymentId === input.deploymentId);
    return { ...d, deploymentStatus: 'ACTIVE' };
  });
};

describe("Start Wave takes the fleet's lease before the fleet's first wave", () => {
  it('grants the lease to one execution; a second one gets FleetBusy (retried) and deploys nothing', async () => {
    // Prepare
    deploymentsKept();
    const a = isolated(plan, 'lease-a');
    const b = isolated(v8, 'lease-a');
    // Act
    await startWave(item(a), waveDeps());
    const second = startWave(item(b), waveDeps());
    // Assess
    await expect(second).rejects.toMatchObject({
      name: 'FleetBusy',
      message: expect.stringContaining(`being rolled out by ${a.executionArn}`),
    });
    expect(greengrass).toHaveReceivedCommandTimes(CreateDeploymentCommand, 1);
    expect((await getFleetRecord(store(), 'lease-a', 'factory-jetson')).leaseHolder).toBe(
      a.executionArn,
    );
  });

  it('is idempotent: a retried or replayed first wave keeps the lease and creates no second deployment', async () => {
    // Prepare
    deploymentsKept();
    const a = isolated(plan, 'lease-b');
    const first = await startWave(item(a), waveDeps());
    // Act
    const again = await startWave(item(a), waveDeps());
    // Assess
    expect(again).toMatchObject({ deploymentId: first.deploymentId, created: false });
    expect(greengrass).toHaveReceivedCommandTimes(CreateDeploymentCommand, 1);
    expect((await getFleetRecord(store(), 'lease-b', 'factory-jetson')).leaseHolder).toBe(
      a.executionArn,
    );
  });

  it('recovers an expired lease for another execution', async () => {
    // Prepare
    deploymentsKept();
    const a = isolated(plan, 'lease-c');
    const b = isolated(v8, 'lease-c');
    const first = await leaseFleet(a, a.fleets[0]!, {
      store: store(),
      logger: silentLogger(),
      now: () => NOW,
    });
    // Act
    await startWave(item(b), waveDeps(new Date(Date.parse(first.expiresAt) + 1)));
    // Assess
    expect((await getFleetRecord(store(), 'lease-c', 'factory-jetson')).leaseHolder).toBe(
      b.executionArn,
    );
  });

  it("takes no lease for a fleet's later waves: the first one did", async () => {
    // Prepare
    deploymentsKept();
    const leased: string[] = [];
    // Act
    await startWave(item(plan, 0, 1), {
      ...waveDeps(),
      leaseFleet: async (_p: Plan, fleet: Plan['fleets'][number]) => {
        leased.push(fleet.name);
      },
    });
    // Assess
    expect(leased).toEqual([]);
  });
});

describe('startWave', () => {
  it("deploys the fleet's platform build to the wave's group with rollout rate, abort criteria and device timeout", async () => {
    // Prepare
    greengrass.on(ListDeploymentsCommand).resolves({ deployments: [] });
    greengrass.on(CreateDeploymentCommand).resolves({ deploymentId: 'd-main' });
    // Act
    const result = await startWave(item(plan, 0, 1), waveDeps());
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
        // The component names its fleet in its metrics, which the fleet's bake analysis reads.
        'com.example.defectdetector.inference': {
          componentVersion: '1.4.0',
          configurationUpdate: { merge: '{"fleet":"factory-jetson"}' },
        },
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

  it('starts the wave after the one that just succeeded, as the Wave Verdict? choice loops back', async () => {
    // Prepare: $.wave is the canary's outcome from Check Wave.
    greengrass.on(ListDeploymentsCommand).resolves({ deployments: [] });
    greengrass.on(CreateDeploymentCommand).resolves({ deploymentId: 'd-main' });
    const afterCanary = {
      ...item(plan, 0, 0),
      wave: { waveName: 'canary', status: 'SUCCEEDED', isLastWave: false, nextWaveIndex: 1 },
    };
    // Act
    const result = await startWave(afterCanary, waveDeps());
    // Assess
    expect(result).toMatchObject({ waveName: 'main', waveIndex: 1, isLastWave: true });
    expect(greengrass).toHaveReceivedCommandWith(CreateDeploymentCommand, {
      targetArn: 'arn:aws:iot:us-east-1:000000000000:thinggroup/factory-jetson-main',
    });
  });

  it('deploys the Raspberry Pi build to the Raspberry Pi fleet', async () => {
    // Prepare
    greengrass.on(ListDeploymentsCommand).resolves({ deployments: [] });
    greengrass.on(CreateDeploymentCommand).resolves({ deploymentId: 'd-rpi' });
    // Act
    const result = await startWave(item(plan, 1, 0), waveDeps());
    // Assess
    expect(result.isLastWave).toBe(true);
    expect(greengrass).toHaveReceivedCommandWith(CreateDeploymentCommand, {
      targetArn: 'arn:aws:iot:us-east-1:000000000000:thinggroup/field-rpi',
    });
  });
});

describe('completeFleetRollout and rollBackFleet', () => {
  const failure = (
    p: Plan,
    cause = 'wave canary of fleet factory-jetson ABORTED: 3 of 10 devices failed',
  ) => ({
    plan: p,
    components: registeredComponents(p),
    error: { Error: 'RolloutAborted', Cause: cause },
  });
  const lease = (p: Plan, fleetIndex = 0) =>
    leaseFleet(p, p.fleets[fleetIndex]!, {
      store: store(),
      logger: silentLogger(),
      now: () => NOW,
    });
  const complete = (p: Plan, fleetIndex = 0) =>
    completeFleetRollout(item(p, fleetIndex), {
      store: store(),
      logger: silentLogger(),
      now: () => NOW,
    });
  const rollBack = (p: Plan) =>
    rollBackFleet(failure(p), {
      clientsFor,
      store: store(),
      logger: silentLogger(),
      now: () => NOW,
    });
  /** Every wave target currently runs `model` at `version`, deployed by `name`. */
  const groupsRun = (version: string, name: (target: string) => string) => {
    greengrass.on(ListDeploymentsCommand).callsFake((input) => ({
      deployments: [{ deploymentId: `d-${input.targetArn}`, isLatestForTarget: true }],
    }));
    greengrass.on(GetDeploymentCommand).callsFake((input) => {
      const target = String(input.deploymentId).slice(2);
      return {
        deploymentId: input.deploymentId,
        deploymentName: name(target),
        deploymentStatus: 'ACTIVE',
        components: {
          'aws.greengrass.Nucleus': { componentVersion: '2.12.6' },
          'com.example.defectdetector.model': { componentVersion: version },
          // As Start Wave deploys it: the inference component names its fleet.
          'com.example.defectdetector.inference': {
            componentVersion: '1.4.0',
            configurationUpdate: {
              merge: JSON.stringify({
                fleet: plan.fleets.find((f) => f.waves.some((w) => w.targetArn === target))!.name,
              }),
            },
          },
        },
      };
    });
    greengrass.on(CancelDeploymentCommand).resolves({});
    greengrass.on(CreateDeploymentCommand).callsFake((input) => ({
      deploymentId: `d-rollback-${String(input.targetArn).split('/').pop()}`,
    }));
  };
  const waveName = (p: Plan) => (target: string) => {
    const fleet = p.fleets.find((f) => f.waves.some((w) => w.targetArn === target))!;
    const wave = fleet.waves.find((w) => w.targetArn === target)!;
    return `edge-mlops ${p.modelPackageGroupName} v${p.modelPackageVersion} ${fleet.name}/${wave.name}`;
  };

  it('records the release as last good and keeps the lease while later fleets may still fail', async () => {
    // Prepare
    const a = isolated(plan, 'complete-a');
    const b = isolated(v8, 'complete-a');
    await lease(a);
    await complete(a);
    await complete(a, 1);
    await lease(b);
    // Act
    const result = await complete(b);
    await complete(b);
    // Assess
    const record = await getFleetRecord(store(), 'complete-a', 'factory-jetson');
    expect(result).toMatchObject({
      status: 'DEPLOYED',
      modelPackageVersion: 8,
      previousVersion: 7,
      leaseKept: true,
    });
    expect(record.lastGood?.modelPackageVersion).toBe(8);
    expect(record.previousGood?.modelPackageVersion).toBe(7);
    expect(record.leaseHolder).toBe(b.executionArn);
  });

  it("frees every fleet's lease when the release's last fleet completes", async () => {
    // Prepare
    const a = isolated(plan, 'complete-b');
    await lease(a, 0);
    await complete(a, 0);
    await lease(a, 1);
    // Act
    const last = await complete(a, 1);
    // Assess
    expect(last.leaseKept).toBe(false);
    for (const fleet of ['factory-jetson', 'field-rpi']) {
      expect((await getFleetRecord(store(), 'complete-b', fleet)).leaseHolder).toBeUndefined();
    }
  });

  it('frees a finished fleet at once when it keeps the new release whatever later fleets do', async () => {
    // Prepare
    const keep = isolated(plan, 'complete-c');
    keep.fleets = keep.fleets.map((f) => ({ ...f, onLaterFleetFailure: 'keep' as const }));
    await lease(keep, 0);
    // Act
    const result = await complete(keep, 0);
    // Assess
    expect(result.leaseKept).toBe(false);
    expect(
      (await getFleetRecord(store(), 'complete-c', 'factory-jetson')).leaseHolder,
    ).toBeUndefined();
  });

  it("cancels this run's wave deployment and redeploys the last good release on every wave, then frees the lease", async () => {
    // Prepare
    const a = isolated(plan, 'rollback-a');
    const b = isolated(v8, 'rollback-a');
    await lease(a);
    await complete(a);
    await complete(a, 1);
    await lease(b);
    groupsRun('1.0.8', waveName(b));
    // Act
    const result = await rollBack(b);
    // Assess
    expect(greengrass.commandCalls(CancelDeploymentCommand).map((c) => c.args[0].input)).toEqual([
      { deploymentId: 'd-arn:aws:iot:us-east-1:000000000000:thinggroup/factory-jetson-canary' },
      { deploymentId: 'd-arn:aws:iot:us-east-1:000000000000:thinggroup/factory-jetson-main' },
    ]);
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
        'com.example.defectdetector.inference': {
          componentVersion: '1.4.0',
          configurationUpdate: { merge: '{"fleet":"factory-jetson"}' },
        },
      });
    }
    expect(result.fleets).toHaveLength(1);
    expect(result.fleets[0]).toMatchObject({
      fleet: 'factory-jetson',
      finished: false,
      restoredVersion: 7,
      restored:
        'v7 (com.example.defectdetector.model 1.0.7, com.example.defectdetector.inference 1.4.0)',
    });
    expect(result.error).toEqual(failure(b).error);
    const record = await getFleetRecord(store(), 'rollback-a', 'factory-jetson');
    expect(record.leaseHolder).toBeUndefined();
    expect(record.lastGood?.modelPackageVersion).toBe(7);
  });

  it("leaves alone a deployment that is not this run's (nothing of the release reached that wave)", async () => {
    // Prepare
    const a = isolated(plan, 'rollback-c');
    const b = isolated(v8, 'rollback-c');
    await lease(a);
    await complete(a);
    await complete(a, 1);
    await lease(b);
    groupsRun('1.0.7', () => 'edge-mlops defect-detector v7 factory-jetson/canary');
    // Act
    const result = await rollBack(b);
    // Assess
    expect(greengrass.commandCalls(CancelDeploymentCommand)).toHaveLength(0);
    expect(greengrass.commandCalls(CreateDeploymentCommand)).toHaveLength(0);
    expect(result.fleets[0]!.waves.map((w) => w.changed)).toEqual([false, false]);
  });

  it('all-or-nothing: a fleet this run had finished goes back to its previous good release too', async () => {
    // Prepare: v7 everywhere; v8 finished factory-jetson, then field-rpi failed.
    const a = isolated(plan, 'rollback-d');
    const b = isolated(v8, 'rollback-d');
    await lease(a, 0);
    await complete(a, 0);
    await lease(a, 1);
    await complete(a, 1);
    await lease(b, 0);
    await complete(b, 0);
    await lease(b, 1);
    groupsRun('1.0.8', waveName(b));
    // Act
    const result = await rollBack(b);
    // Assess
    expect(result.fleets.map((f) => [f.fleet, f.finished, f.restoredVersion])).toEqual([
      ['factory-jetson', true, 7],
      ['field-rpi', false, 7],
    ]);
    expect(result.kept).toEqual([]);
    const jetson = await getFleetRecord(store(), 'rollback-d', 'factory-jetson');
    expect(jetson.lastGood?.modelPackageVersion).toBe(7);
    expect(jetson.leaseHolder).toBeUndefined();
    expect((await getFleetRecord(store(), 'rollback-d', 'field-rpi')).leaseHolder).toBeUndefined();
  });

  it('keeps a finished fleet on the new release when its profile says keep, and says so', async () => {
    // Prepare
    const b = isolated(v8, 'rollback-e');
    b.fleets = b.fleets.map((f) => ({ ...f, onLaterFleetFailure: 'keep' as const }));
    await lease(b, 0);
    await complete(b, 0);
    await lease(b, 1);
    groupsRun('1.0.8', waveName(b));
    // Act
    const result = await rollBack(b);
    // Assess
    expect(result.fleets.map((f) => f.fleet)).toEqual(['field-rpi']);
    expect(result.kept).toEqual(['factory-jetson']);
    expect(
      (await getFleetRecord(store(), 'rollback-e', 'factory-jetson')).lastGood?.modelPackageVersion,
    ).toBe(8);
  });

  it('removes our components when the fleet never had a good release', async () => {
    // Prepare
    const first = isolated(plan, 'rollback-b');
    await lease(first);
    groupsRun('1.0.7', waveName(first));
    greengrass
      .on(CancelDeploymentCommand)
      .rejects(Object.assign(new Error('already cancelled'), { name: 'ConflictException' }));
    // Act
    const result = await rollBack(first);
    // Assess
    expect(greengrass.commandCalls(CreateDeploymentCommand)[0]!.args[0].input.components).toEqual({
      'aws.greengrass.Nucleus': { componentVersion: '2.12.6' },
    });
    expect(result.fleets[0]).toMatchObject({ restoredVersion: null, restored: null });
  });
});
