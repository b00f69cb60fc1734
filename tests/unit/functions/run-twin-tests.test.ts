import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  GetDeploymentCommand,
  GreengrassV2Client,
  ListCoreDevicesCommand,
  ListInstalledComponentsCommand,
} from '@aws-sdk/client-greengrassv2';
import { IoTClient, ListJobExecutionsForJobCommand } from '@aws-sdk/client-iot';
import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { percentile } from '../../../functions/run-twin-tests/probes/inference-smoke';
import { runTwinTests } from '../../../functions/run-twin-tests/run-twin-tests';
import type { Plan } from '../../../functions/shared/plan';
import { registeredComponents, samplePlan, silentLogger } from '../../helpers/fixtures';

const greengrass = mockClient(GreengrassV2Client);
const iot = mockClient(IoTClient);
const iotData = mockClient(IoTDataPlaneClient);
const dynamo = mockClient(DynamoDBDocumentClient);
const lambda = mockClient(LambdaClient);
const s3 = mockClient(S3Client);

let plan: Plan;
let clock = 0;
const deps = () => ({
  clientsFor: () => ({ greengrass: new GreengrassV2Client({}), iot: new IoTClient({}) }),
  iotData: new IoTDataPlaneClient({}),
  dynamo: DynamoDBDocumentClient.from(new DynamoDBClient({})),
  lambda: new LambdaClient({}),
  s3: new S3Client({}),
  logger: silentLogger(),
  now: () => new Date(clock),
  sleep: async (ms: number) => {
    clock += ms;
  },
  config: { stateTable: 'state', artifactBucket: 'art' },
  endTwinLease: async (ended: Plan) => {
    twinLeasesEnded.push(ended.executionArn);
  },
});
/** Runs whose tests ended holding the twin: endTwinLease frees it. */
const twinLeasesEnded: string[] = [];
const twin = (over = {}) => ({
  deploymentId: 'd-twin',
  targetArn: 'arn:aws:iot:us-east-1:000000000000:thinggroup/defect-detector-twin',
  status: 'SUCCEEDED' as const,
  done: true,
  counts: {
    succeeded: 1,
    failed: 0,
    timedOut: 0,
    rejected: 0,
    canceled: 0,
    removed: 0,
    queued: 0,
    inProgress: 0,
  },
  failureRate: 0,
  poll: { attempt: 3, waitSeconds: 60, deadline: '2026-11-25T11:00:00.000Z' },
  devices: { failed: [], stuck: [] },
  ...over,
});
const healthy = (version = '1.0.7', state = 'RUNNING') =>
  ({
    installedComponents: [
      {
        componentName: 'com.example.defectdetector.model',
        componentVersion: version,
        lifecycleState: 'FINISHED',
      },
      {
        componentName: 'com.example.defectdetector.inference',
        componentVersion: '1.4.0',
        lifecycleState: state,
      },
      {
        componentName: 'aws.greengrass.Nucleus',
        componentVersion: '2.12.6',
        lifecycleState: 'FINISHED',
      },
    ],
  }) as never;
const answers = (wrong = 0, latency = 80) =>
  ['scratch', 'clean', 'dent', 'clean-2'].map((id, i) => ({
    pk: 'smoke#x',
    sk: `twin-01#${id}`,
    runId: 'x',
    requestId: id,
    thingName: 'twin-01',
    output: i < wrong ? 'wrong' : id.startsWith('clean') ? 'ok' : 'defect',
    latencyMs: latency + i,
  }));

beforeAll(async () => {
  plan = await samplePlan();
});
beforeEach(() => {
  for (const m of [greengrass, iot, iotData, dynamo, lambda, s3]) m.reset();
  twinLeasesEnded.length = 0;
  clock = Date.parse('2026-11-25T10:00:00Z');
  greengrass.on(GetDeploymentCommand, { deploymentId: 'd-twin' }).resolves({ iotJobId: 'j-twin' });
  iot.on(ListJobExecutionsForJobCommand, { jobId: 'j-twin' }).resolves({
    executionSummaries: [
      { thingArn: thing('twin-01'), jobExecutionSummary: { status: 'SUCCEEDED' } },
    ],
  });
  greengrass.on(ListInstalledComponentsCommand).resolves(healthy());
  iotData.on(PublishCommand).resolves({});
  dynamo.on(QueryCommand).resolves({ Items: answers() });
  s3.on(PutObjectCommand).resolves({});
});

const thing = (name: string) => `arn:aws:iot:us-east-1:000000000000:thing/${name}`;
const input = (p = plan, t = twin()) => ({ plan: p, components: registeredComponents(p), twin: t });

describe('runTwinTests: the twin devices', () => {
  it("tests the devices of this deployment's job, not ListCoreDevices of the group", async () => {
    // Prepare: ListCoreDevices(thingGroupArn) keeps a device removed from the group
    // (API_ListCoreDevices); this deployment never reached it.
    greengrass.on(ListCoreDevicesCommand).resolves({
      coreDevices: [{ coreDeviceThingName: 'twin-01' }, { coreDeviceThingName: 'left-group' }],
    });
    // Act
    const report = await runTwinTests(input(), deps());
    // Assess
    expect(report.devices).toEqual(['twin-01']);
    expect(greengrass.commandCalls(ListInstalledComponentsCommand)).toHaveLength(1);
    expect(greengrass.commandCalls(ListCoreDevicesCommand)).toHaveLength(0);
  });

  it('reads every page of executions and leaves out removed and cancelled ones', async () => {
    // Prepare
    iot
      .on(ListJobExecutionsForJobCommand, { jobId: 'j-twin', nextToken: undefined })
      .resolves({
        executionSummaries: [
          { thingArn: thing('twin-02'), jobExecutionSummary: { status: 'SUCCEEDED' } },
          { thingArn: thing('gone'), jobExecutionSummary: { status: 'REMOVED' } },
        ],
        nextToken: 'p2',
      })
      .on(ListJobExecutionsForJobCommand, { jobId: 'j-twin', nextToken: 'p2' })
      .resolves({
        executionSummaries: [
          { thingArn: thing('twin-01'), jobExecutionSummary: { status: 'SUCCEEDED' } },
          { thingArn: thing('replaced'), jobExecutionSummary: { status: 'CANCELED' } },
        ],
      });
    // Act
    const report = await runTwinTests(input(), deps());
    // Assess
    expect(report.devices).toEqual(['twin-01', 'twin-02']);
  });

  it('names the call when reading the job is throttled (a transient error, retried)', async () => {
    // Prepare
    iot
      .on(ListJobExecutionsForJobCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    // Act / Assess
    await expect(runTwinTests(input(), deps())).rejects.toThrow(
      /ListJobExecutionsForJob j-twin: ThrottlingException/,
    );
  });
});

describe('runTwinTests', () => {
  it('refuses a twin verdict Check Deployment cannot have written, naming the field, before any AWS call', async () => {
    // Prepare
    const edited = { ...input(), twin: { ...twin(), status: 'DONE' } };
    // Act
    const run = runTwinTests(edited as never, deps());
    // Assess
    await expect(run).rejects.toThrow(/invalid task input at twin\.status/);
    expect(greengrass.calls()).toHaveLength(0);
  });

  it('passes every probe of the profile and writes the full report to S3', async () => {
    // Act
    const report = await runTwinTests(input(), deps());
    // Assess
    expect(report.passed).toBe(true);
    expect(report.summary).toBe('all 3 twin tests passed');
    expect(report.probes.map((p) => [p.name, p.passed])).toEqual([
      ['deployment-health', true],
      ['component-health', true],
      ['inference-smoke', true],
    ]);
    expect(report.reportUri).toBe(
      's3://art/local/defect-detector/7/twin-tests/defect-detector-v7-1a2b3c4d.json',
    );
    const put = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(JSON.parse(String(put.Body)).probes).toHaveLength(3);
    expect(twinLeasesEnded).toEqual([plan.executionArn]);
  });

  it('ends Superseded, whatever its tests said, when a newer version took the twin over; the report stays as evidence', async () => {
    // Prepare
    const takenOver = Object.assign(new Error('version 8 of defect-detector took over the twin'), {
      name: 'Superseded',
    });
    // Act
    const run = runTwinTests(input(), { ...deps(), endTwinLease: () => Promise.reject(takenOver) });
    // Assess
    await expect(run).rejects.toBe(takenOver);
    expect(s3).toHaveReceivedCommand(PutObjectCommand);
  });

  it('sends every test input on the request topic with a deterministic request id', async () => {
    // Act
    await runTwinTests(input(), deps());
    // Assess
    const published = iotData.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(published).toHaveLength(4);
    expect(published[0]!.topic).toMatch(/^edge-mlops\/smoke\/request\/twin-01\/[0-9a-f]{16}$/);
    expect(JSON.parse(new TextDecoder().decode(published[0]!.payload as Uint8Array))).toMatchObject(
      {
        requestId: 'scratch',
        payload: { image: 's3://edge-mlops-local-code/samples/scratch.jpg' },
      },
    );
  });

  it("publishes through the twin account's IoT endpoint when the twin names a role", async () => {
    // Prepare: the deployer role's clients act in the twin's account.
    const role = 'arn:aws:iam::111111111111:role/edge-mlops-local-deployer';
    const twinAccount = {
      greengrass: new GreengrassV2Client({}),
      iot: new IoTClient({}),
      iotData: new IoTDataPlaneClient({}),
    };
    const asked: (string | undefined)[] = [];
    const own = deps();
    const crossAccount = {
      ...own,
      clientsFor: (roleArn: string | undefined) => {
        asked.push(roleArn);
        return twinAccount;
      },
    };
    // Act
    await runTwinTests(input({ ...plan, twin: { ...plan.twin, roleArn: role } }), crossAccount);
    // Assess
    const senders = iotData.commandCalls(PublishCommand).map((c) => c.thisValue);
    expect(senders).toHaveLength(4);
    expect(senders.every((client) => client === twinAccount.iotData)).toBe(true);
    expect(senders).not.toContain(own.iotData);
    expect(asked).toEqual([role]);
  });

  it("publishes with the pipeline's own IoT client for a twin in the pipeline account", async () => {
    // Prepare
    const own = deps();
    // Act
    await runTwinTests(input(), own);
    // Assess
    const senders = iotData.commandCalls(PublishCommand).map((c) => c.thisValue);
    expect(senders).toHaveLength(4);
    expect(senders.every((client) => client === own.iotData)).toBe(true);
  });

  it('fails deployment-health with the failed devices as evidence', async () => {
    // Act
    const report = await runTwinTests(
      input(
        plan,
        twin({
          status: 'FAILED',
          reason: '1 of 1 devices failed',
          counts: { ...twin().counts, succeeded: 0, failed: 1 },
          devices: { failed: ['twin-01'], stuck: [] },
        }),
      ),
      deps(),
    );
    // Assess
    const probe = report.probes.find((p) => p.name === 'deployment-health')!;
    expect(probe.passed).toBe(false);
    expect(probe.evidence).toMatchObject({ failedDevices: ['twin-01'] });
    expect(report.summary).toContain('deployment-health: deployment FAILED: 1 of 1 devices failed');
  });

  it('fails component-health when our component is BROKEN or on another version', async () => {
    // Prepare
    greengrass.on(ListInstalledComponentsCommand).resolves(healthy('1.0.6', 'BROKEN'));
    // Act
    const report = await runTwinTests(input(), deps());
    // Assess
    const probe = report.probes.find((p) => p.name === 'component-health')!;
    expect(probe.passed).toBe(false);
    expect(probe.evidence).toEqual({
      devices: 1,
      unhealthy: [
        {
          device: 'twin-01',
          component: 'com.example.defectdetector.model',
          version: '1.0.6',
          state: 'FINISHED',
        },
        {
          device: 'twin-01',
          component: 'com.example.defectdetector.inference',
          version: '1.4.0',
          state: 'BROKEN',
        },
      ],
    });
  });

  it('fails the smoke test below the accuracy threshold, naming the wrong answers', async () => {
    // Prepare
    dynamo.on(QueryCommand).resolves({ Items: answers(2) });
    // Act
    const report = await runTwinTests(input(), deps());
    // Assess
    const probe = report.probes.find((p) => p.name === 'inference-smoke')!;
    expect(probe.passed).toBe(false);
    expect(probe.summary).toBe('accuracy 0.5 < 0.75');
    expect((probe.evidence as { wrong: unknown[] }).wrong).toHaveLength(2);
  });

  it('fails the smoke test above the p95 latency threshold', async () => {
    // Prepare
    dynamo.on(QueryCommand).resolves({ Items: answers(0, 400) });
    // Act
    const report = await runTwinTests(input(), deps());
    // Assess
    expect(report.probes.find((p) => p.name === 'inference-smoke')!.summary).toBe(
      'p95 403 ms > 250 ms',
    );
  });

  it('counts missing answers as wrong once the probe times out', async () => {
    // Prepare
    dynamo.on(QueryCommand).resolves({ Items: answers().slice(0, 1) });
    // Act
    const report = await runTwinTests(input(), deps());
    // Assess
    const probe = report.probes.find((p) => p.name === 'inference-smoke')!;
    expect(probe.evidence).toMatchObject({ answers: 1, expectedAnswers: 4, accuracy: 0.25 });
    expect(clock - Date.parse('2026-11-25T10:00:00Z')).toBeGreaterThanOrEqual(60_000);
  });

  describe('custom probe', () => {
    const withCustom = () => ({
      ...plan,
      twin: {
        ...plan.twin,
        tests: [
          {
            type: 'custom' as const,
            name: 'thermal-check',
            functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:thermal',
          },
        ],
      },
    });

    it("invokes the user's Lambda with the twin context and uses its verdict", async () => {
      // Prepare
      lambda.on(InvokeCommand).resolves({
        Payload: new TextEncoder().encode(
          JSON.stringify({ passed: true, evidence: { maxTempC: 61 } }),
        ) as never,
      });
      // Act
      const report = await runTwinTests(input(withCustom()), deps());
      // Assess
      expect(report.probes[0]).toMatchObject({
        name: 'thermal-check',
        passed: true,
        evidence: { detail: { maxTempC: 61 } },
      });
      const event = JSON.parse(
        new TextDecoder().decode(
          lambda.commandCalls(InvokeCommand)[0]!.args[0].input.Payload as Uint8Array,
        ),
      );
      expect(event).toMatchObject({
        probe: 'thermal-check',
        modelPackageVersion: 7,
        twin: { deploymentId: 'd-twin', devices: ['twin-01'] },
      });
    });

    it('fails when the Lambda errors or answers without a verdict', async () => {
      // Prepare
      lambda
        .on(InvokeCommand)
        .resolvesOnce({
          FunctionError: 'Unhandled',
          Payload: new TextEncoder().encode('{"errorMessage":"boom"}') as never,
        })
        .resolves({ Payload: new TextEncoder().encode('{"ok":1}') as never });
      // Act
      const first = await runTwinTests(input(withCustom()), deps());
      const second = await runTwinTests(input(withCustom()), deps());
      // Assess
      expect(first.probes[0]).toMatchObject({
        passed: false,
        summary: 'test function failed: {"errorMessage":"boom"}',
      });
      expect(second.probes[0]).toMatchObject({
        passed: false,
        summary: 'test function did not return { "passed": boolean }',
      });
    });
  });
});

describe('percentile', () => {
  it('uses the nearest rank', () => {
    expect(percentile([5, 1, 4, 2, 3], 95)).toBe(5);
    expect(
      percentile(
        Array.from({ length: 100 }, (_, i) => i + 1),
        95,
      ),
    ).toBe(95);
    expect(percentile([], 95)).toBeUndefined();
  });

  it('keeps its state output bounded whatever the probe count, inputs and device answers', async () => {
    // Prepare: 30 smoke probes of 100 inputs each; every device answer is a wrong 20 KB blob.
    const inputs = Array.from({ length: 100 }, (_, i) => ({
      id: `input-${i}`,
      payload: { image: `s3://samples/${i}.jpg`, pad: 'p'.repeat(2_000) },
      expected: 'e'.repeat(1_000),
    }));
    const probes = Array.from({ length: 30 }, () => ({
      type: 'inference-smoke' as const,
      inputs,
      minAccuracy: 0.9,
      maxP95LatencyMs: 500,
      timeoutSeconds: 60,
    }));
    const big = { ...plan, twin: { ...plan.twin, tests: probes } } as Plan;
    dynamo.on(QueryCommand).resolves({
      Items: inputs.map((i) => ({
        requestId: i.id,
        thingName: 'twin-01',
        output: 'w'.repeat(20_000),
        latencyMs: 80,
      })),
    });
    // Act
    const report = await runTwinTests(input(big), deps());
    // Assess: the verdict and the report's address are in a small state; the evidence is in S3.
    expect(Buffer.byteLength(JSON.stringify(report))).toBeLessThanOrEqual(16_384);
    expect(report).toMatchObject({ passed: false, truncated: true, deviceCount: 1 });
    expect(report.reportUri).toMatch(/^s3:\/\/art\/.+\.json$/);
    expect(report.probes[0]).toMatchObject({ type: 'inference-smoke', passed: false });
    const written = JSON.parse(String(s3.commandCalls(PutObjectCommand)[0]!.args[0].input.Body));
    expect(written.probes).toHaveLength(30);
    expect(JSON.stringify(written.probes[0].evidence)).toContain('w'.repeat(20_000));
  });
});
