import {
  CreateDeploymentCommand,
  GetDeploymentCommand,
  GreengrassV2Client,
  ListDeploymentsCommand,
} from '@aws-sdk/client-greengrassv2';
import { DescribeJobCommand, IoTClient, ListJobExecutionsForJobCommand } from '@aws-sdk/client-iot';
import { mockClient } from 'aws-sdk-client-mock';
import { checkDeployment, judge } from '../../../functions/check-deployment/check-deployment';
import { deployToTwin } from '../../../functions/deploy-to-twin/deploy-to-twin';
import { Superseded } from '../../../functions/shared/errors';
import type { Plan } from '../../../functions/shared/plan';
import { registeredComponents, samplePlan, silentLogger } from '../../helpers/fixtures';

const greengrass = mockClient(GreengrassV2Client);
const iot = mockClient(IoTClient);
const clients = { greengrass: new GreengrassV2Client({}), iot: new IoTClient({}) };
const roles: (string | undefined)[] = [];
const deps = (now = new Date('2026-11-25T10:00:00Z')) => ({
  clientsFor: (role: string | undefined) => {
    roles.push(role);
    return clients;
  },
  logger: silentLogger(),
  now: () => now,
  leaseTwin: async () => undefined,
});

let plan: Plan;
beforeAll(async () => {
  plan = await samplePlan();
});
beforeEach(() => {
  greengrass.reset();
  iot.reset();
  roles.length = 0;
});

describe('deployToTwin', () => {
  it('deploys nothing once a newer version has taken the twin over', async () => {
    // Prepare
    const takenOver = new Superseded('version 8 of defect-detector took over the twin');
    // Act
    const attempt = deployToTwin(
      { plan, components: registeredComponents(plan) },
      { ...deps(), leaseTwin: async () => Promise.reject(takenOver) },
    );
    // Assess
    await expect(attempt).rejects.toBe(takenOver);
    expect(greengrass).not.toHaveReceivedCommand(CreateDeploymentCommand);
  });

  it("deploys the twin platform's model build, the inference code and the twin-only extras, keeping foreign components", async () => {
    // Prepare
    greengrass
      .on(ListDeploymentsCommand)
      .resolves({ deployments: [{ deploymentId: 'd-0', isLatestForTarget: true }] });
    greengrass.on(GetDeploymentCommand).resolves({
      deploymentId: 'd-0',
      deploymentStatus: 'ACTIVE',
      components: { 'aws.greengrass.Nucleus': { componentVersion: '2.12.6' } },
    });
    greengrass.on(CreateDeploymentCommand).resolves({ deploymentId: 'd-twin' });
    // Act
    const result = await deployToTwin({ plan, components: registeredComponents(plan) }, deps());
    // Assess
    expect(result).toMatchObject({
      deploymentId: 'd-twin',
      targetArn: plan.twin.targetArn,
      created: true,
      poll: { attempt: 0, waitSeconds: 15, deadline: '2026-11-25T10:30:00.000Z' },
    });
    expect(greengrass).toHaveReceivedCommandWith(CreateDeploymentCommand, {
      targetArn: 'arn:aws:iot:us-east-1:000000000000:thinggroup/defect-detector-twin',
      components: {
        'aws.greengrass.Nucleus': { componentVersion: '2.12.6' },
        'com.example.defectdetector.model': { componentVersion: '1.0.7' },
        'com.example.defectdetector.inference': { componentVersion: '1.4.0' },
        'aws.greengrass.Cli': { componentVersion: '2.13.0' },
      },
    });
    expect(result.diff.kept).toEqual([{ name: 'aws.greengrass.Nucleus', version: '2.12.6' }]);
  });

  it('is idempotent: a rerun against a twin already on this release creates no deployment', async () => {
    // Prepare
    const components = {
      'com.example.defectdetector.model': { componentVersion: '1.0.7' },
      'com.example.defectdetector.inference': { componentVersion: '1.4.0' },
      'aws.greengrass.Cli': { componentVersion: '2.13.0' },
    };
    greengrass
      .on(ListDeploymentsCommand)
      .resolves({ deployments: [{ deploymentId: 'd-twin', isLatestForTarget: true }] });
    greengrass
      .on(GetDeploymentCommand)
      .resolves({ deploymentId: 'd-twin', deploymentStatus: 'ACTIVE', components });
    // Act
    const result = await deployToTwin({ plan, components: registeredComponents(plan) }, deps());
    // Assess
    expect(result).toMatchObject({ deploymentId: 'd-twin', created: false });
    expect(greengrass).not.toHaveReceivedCommand(CreateDeploymentCommand);
  });

  it('polls a slow twin deployment in the log of its duration, as Check Twin Deployment would', async () => {
    // Prepare: the twin's one device takes 25 minutes (its deployment may take 30)
    greengrass.on(ListDeploymentsCommand).resolves({ deployments: [] });
    greengrass.on(CreateDeploymentCommand).resolves({ deploymentId: 'd-twin' });
    const started = await deployToTwin({ plan, components: registeredComponents(plan) }, deps());
    greengrass.reset();
    const finished = Date.parse('2026-11-25T10:25:00Z');
    let t = Date.parse('2026-11-25T10:00:00Z');
    greengrass.on(GetDeploymentCommand).resolves({ deploymentStatus: 'ACTIVE', iotJobId: 'job-t' });
    iot.on(DescribeJobCommand).callsFake(async () => ({
      job: {
        status: 'IN_PROGRESS',
        jobProcessDetails:
          t < finished ? { numberOfInProgressThings: 1 } : { numberOfSucceededThings: 1 },
      },
    }));
    // Act: Wait For Twin → Check Twin Deployment until it sees the deployment done
    let deployment = { ...started } as Parameters<typeof checkDeployment>[0]['deployment'];
    let polls = 0;
    for (let done = false; !done; ) {
      t += deployment.poll.waitSeconds * 1000;
      polls += 1;
      const checked = await checkDeployment({ deployment }, deps(new Date(t)));
      done = checked.done;
      deployment = checked;
    }
    // Assess: 15, 30, 60, … s; every 2 minutes after the first four would make 15 polls
    expect(polls).toBeLessThanOrEqual(7);
    expect(t - finished).toBeLessThan(10 * 60_000);
  });

  it("uses the profile's cross-account role for the twin", async () => {
    // Prepare
    const crossAccount = {
      ...plan,
      twin: { ...plan.twin, roleArn: 'arn:aws:iam::111111111111:role/edge-mlops-preprod' },
    };
    greengrass.on(ListDeploymentsCommand).resolves({ deployments: [] });
    greengrass.on(CreateDeploymentCommand).resolves({ deploymentId: 'd-x' });
    // Act
    const result = await deployToTwin(
      { plan: crossAccount, components: registeredComponents(plan) },
      deps(),
    );
    // Assess
    expect(roles).toEqual(['arn:aws:iam::111111111111:role/edge-mlops-preprod']);
    expect(result.roleArn).toBe('arn:aws:iam::111111111111:role/edge-mlops-preprod');
  });
});

describe('judge', () => {
  const counts = (over: Partial<Record<string, number>> = {}) => ({
    succeeded: 0,
    failed: 0,
    timedOut: 0,
    rejected: 0,
    canceled: 0,
    removed: 0,
    queued: 0,
    inProgress: 0,
    ...over,
  });
  const abort = { failureThresholdPercentage: 10, minExecutedThings: 5 };

  it('keeps waiting while devices are queued or in progress', () => {
    expect(
      judge(counts({ succeeded: 3, inProgress: 2 }), 0, 'IN_PROGRESS', 'ACTIVE', abort).status,
    ).toBe('IN_PROGRESS');
  });
  it('succeeds when every device settled without failures', () => {
    expect(judge(counts({ succeeded: 10 }), 0, 'IN_PROGRESS', 'ACTIVE', abort)).toEqual({
      status: 'SUCCEEDED',
      failureRate: 0,
    });
  });
  it('aborts a wave as soon as failures cross the threshold after the minimum of executed devices', () => {
    expect(
      judge(counts({ succeeded: 4, failed: 1, inProgress: 20 }), 0, 'IN_PROGRESS', 'ACTIVE', abort),
    ).toMatchObject({ status: 'ABORTED', failureRate: 20 });
  });
  it('does not abort before the minimum of executed devices', () => {
    expect(
      judge(counts({ failed: 1, inProgress: 20 }), 0, 'IN_PROGRESS', 'ACTIVE', abort).status,
    ).toBe('IN_PROGRESS');
  });
  it('counts timed-out and rejected devices as failures', () => {
    expect(
      judge(counts({ succeeded: 8, timedOut: 1, rejected: 1 }), 0, 'IN_PROGRESS', 'ACTIVE', abort),
    ).toMatchObject({ status: 'ABORTED', failureRate: 20 });
  });
  it('treats a job cancelled by the IoT abort criteria as an aborted wave', () => {
    expect(judge(counts({ succeeded: 1 }), 0, 'CANCELED', 'ACTIVE', abort).status).toBe('ABORTED');
  });
  it('fails the twin on any failed device', () => {
    expect(
      judge(counts({ succeeded: 1, failed: 1 }), 0, 'IN_PROGRESS', 'ACTIVE', undefined),
    ).toMatchObject({ status: 'FAILED', reason: '1 of 2 devices failed' });
  });
  it('waits while the job is still expanding its thing groups', () => {
    expect(judge(counts({ succeeded: 3 }), 1, 'IN_PROGRESS', 'ACTIVE', abort).status).toBe(
      'IN_PROGRESS',
    );
  });
});

describe('checkDeployment', () => {
  const watched = (over = {}) => ({
    deployment: {
      deploymentId: 'd-1',
      targetArn: 'arn:aws:iot:us-east-1:000000000000:thinggroup/g',
      poll: { attempt: 0, waitSeconds: 15, deadline: '2026-11-25T10:30:00.000Z' },
      ...over,
    },
  });

  it('reads status with exactly two calls (GetDeployment + DescribeJob), whatever the fleet size', async () => {
    // Prepare
    greengrass.on(GetDeploymentCommand).resolves({ deploymentStatus: 'ACTIVE', iotJobId: 'job-1' });
    iot.on(DescribeJobCommand).resolves({
      job: {
        status: 'IN_PROGRESS',
        jobProcessDetails: { numberOfSucceededThings: 40_000, numberOfInProgressThings: 60_000 },
      },
    });
    // Act
    const result = await checkDeployment(watched(), deps());
    // Assess
    expect(result).toMatchObject({
      status: 'IN_PROGRESS',
      done: false,
      poll: { attempt: 1, waitSeconds: 30 },
    });
    expect(greengrass.calls()).toHaveLength(1);
    expect(iot.calls()).toHaveLength(1);
  });

  it('names failed devices once the outcome is known', async () => {
    // Prepare
    greengrass.on(GetDeploymentCommand).resolves({ deploymentStatus: 'ACTIVE', iotJobId: 'job-1' });
    iot.on(DescribeJobCommand).resolves({
      job: {
        status: 'IN_PROGRESS',
        jobProcessDetails: { numberOfSucceededThings: 1, numberOfFailedThings: 1 },
      },
    });
    iot.on(ListJobExecutionsForJobCommand).resolves({ executionSummaries: [] });
    iot.on(ListJobExecutionsForJobCommand, { status: 'FAILED' }).resolves({
      executionSummaries: [{ thingArn: 'arn:aws:iot:us-east-1:000000000000:thing/twin-02' }],
    });
    // Act
    const result = await checkDeployment(watched(), deps());
    // Assess
    expect(result).toMatchObject({
      status: 'FAILED',
      done: true,
      devices: { failed: ['twin-02'], stuck: [] },
    });
  });

  it('fails the twin with the stuck devices named when the deadline passes', async () => {
    // Prepare
    greengrass.on(GetDeploymentCommand).resolves({ deploymentStatus: 'ACTIVE', iotJobId: 'job-1' });
    iot
      .on(DescribeJobCommand)
      .resolves({ job: { status: 'IN_PROGRESS', jobProcessDetails: { numberOfQueuedThings: 1 } } });
    iot.on(ListJobExecutionsForJobCommand).resolves({ executionSummaries: [] });
    iot.on(ListJobExecutionsForJobCommand, { status: 'QUEUED' }).resolves({
      executionSummaries: [{ thingArn: 'arn:aws:iot:us-east-1:000000000000:thing/twin-01' }],
    });
    // Act & Assess
    await expect(
      checkDeployment(watched(), deps(new Date('2026-11-25T10:31:00Z'))),
    ).rejects.toMatchObject({
      name: 'WaitTimedOut',
      message: expect.stringContaining('1 queued, 0 in progress (e.g. twin-01)'),
    });
  });

  it('aborts a hung production wave at its deadline instead of waiting forever', async () => {
    // Prepare
    greengrass.on(GetDeploymentCommand).resolves({ deploymentStatus: 'ACTIVE', iotJobId: 'job-1' });
    iot.on(DescribeJobCommand).resolves({
      job: { status: 'IN_PROGRESS', jobProcessDetails: { numberOfInProgressThings: 3 } },
    });
    iot.on(ListJobExecutionsForJobCommand).resolves({ executionSummaries: [] });
    // Act
    const result = await checkDeployment(
      watched({ abort: { failureThresholdPercentage: 10, minExecutedThings: 2 } }),
      deps(new Date('2026-11-25T10:31:00Z')),
    );
    // Assess
    expect(result).toMatchObject({ status: 'ABORTED', done: true });
  });
});
