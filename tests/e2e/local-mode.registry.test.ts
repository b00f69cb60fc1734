import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SageMakerClient, UpdateModelPackageCommand } from '@aws-sdk/client-sagemaker';
import { DescribeExecutionCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { Emulator } from '../../emulator/emulator';
import { controlOf, runSimulation, startLocalEmulator } from '../helpers/local-mode';
import { until } from '../helpers/until';

const ROOT = join(__dirname, '../..');
const event = JSON.parse(readFileSync(join(ROOT, 'events/model-package-approved.json'), 'utf8'));
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startLocalEmulator();
}, 60_000);
afterAll(() => emulator.close());

describe('local mode: the model registry changes its mind', () => {
  it('RejectedWhileWaitingAtApproval: the waiting execution ends as rejected, without production', async () => {
    // Prepare
    const control = controlOf(emulator.url);
    await control('seed', { event });
    const { deliveries } = await control('deliver', { event });
    const executionArn = deliveries[0].result.executionArn as string;
    await until('the approval request', async () =>
      emulator.world.sns.some((m) => m.subject?.startsWith('Approve defect-detector v7'))
        ? true
        : undefined,
    );
    // Act: someone rejects version 7 in the SageMaker Model Registry.
    const sagemaker = new SageMakerClient({
      endpoint: emulator.url,
      region: 'us-east-1',
      credentials,
    });
    await sagemaker.send(
      new UpdateModelPackageCommand({
        ModelPackageArn: event.detail.ModelPackageArn,
        ModelApprovalStatus: 'Rejected',
        ApprovalDescription: 'false positives on line 3',
      }),
    );
    // Assess
    const sfn = new SFNClient({ endpoint: emulator.url, region: 'us-east-1', credentials });
    const done = await until('the execution to end', async () => {
      const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return d.status === 'RUNNING' ? undefined : d;
    });
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('ApprovalRejected');
    expect(done.cause).toMatch(
      /^model package defect-detector v7 was rejected in the model registry at /,
    );
    // The token of the closed task is spent: Step Functions answers TaskTimedOut.
    const { DynamoDBClient, ScanCommand } = await import('@aws-sdk/client-dynamodb');
    const { unmarshall } = await import('@aws-sdk/util-dynamodb');
    const items =
      (
        await new DynamoDBClient({ endpoint: emulator.url, region: 'us-east-1', credentials }).send(
          new ScanCommand({ TableName: 'edge-mlops-local-state-table' }),
        )
      ).Items ?? [];
    const approval = items
      .map((i) => unmarshall(i))
      .find((i) => String(i.pk).startsWith('approval#'));
    expect(approval?.status).toBe('REJECTED');
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: approval!.taskToken, output: '{}' })),
    ).rejects.toMatchObject({ name: 'TaskTimedOut' });
    const waves = [...emulator.world.deployments.values()].filter(
      (d) => /factory|field/.test(d.targetArn) && d.deploymentName !== 'plant baseline',
    );
    expect(waves).toEqual([]);
  });
});

describe('local mode: rejecting a live version', () => {
  it('RejectedLiveVersionRollsBack: fleets running it go back to their previous release', async () => {
    // Prepare: version 8 is approved and rolled out everywhere through the real path.
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const v8 = JSON.parse(JSON.stringify(event));
    v8.id = '8c9d4f0e-1a2b-4c3d-8e9f-0a1b2c3d4e58';
    v8.detail.ModelPackageVersion = 8;
    v8.detail.ModelPackageArn = v8.detail.ModelPackageArn.replace(/\/7$/, '/8');
    v8.resources = [v8.detail.ModelPackageArn];
    v8.detail.LastModifiedTime = '2026-11-21T09:00:00Z';
    const file = join(mkdtempSync(join(tmpdir(), 'v8-')), 'v8.json');
    writeFileSync(file, JSON.stringify(v8));
    const rollout = await runSimulation({ event: file, approve: true, endpoint: emulator.url });
    expect(rollout.status).toBe('SUCCEEDED');
    // Act: version 8 is rejected in the registry after it went live.
    const sagemaker = new SageMakerClient({
      endpoint: emulator.url,
      region: 'us-east-1',
      credentials,
    });
    await sagemaker.send(
      new UpdateModelPackageCommand({
        ModelPackageArn: v8.detail.ModelPackageArn,
        ModelApprovalStatus: 'Rejected',
      }),
    );
    // Assess
    const rollback = await until('the rollback execution', async () =>
      [...emulator.sfn.executions.values()].find(
        (e) => e.name.startsWith('rollback-defect-detector-v8') && e.status !== 'RUNNING',
      ),
    );
    expect(rollback.status).toBe('SUCCEEDED');
    expect(rollback.stateMachineArn).toMatch(/:stateMachine:edge-mlops-local-roll-back-rejected$/);
    expect(rollback.statesVisited).toEqual(['Roll Back Rejected Release', 'Rollback Complete']);
    const latest = (target: string) =>
      [...emulator.world.deployments.values()]
        .filter((d) => d.targetArn.endsWith(`/${target}`))
        .sort((a, b) => b.createdAt - a.createdAt)[0]!;
    for (const group of ['factory-jetson-canary', 'factory-jetson-main', 'field-rpi']) {
      // No earlier release: our components are removed, the plant baseline stays.
      expect(Object.keys(latest(group).components).sort()).toEqual([
        'aws.greengrass.Nucleus',
        'com.example.plant.telemetry',
      ]);
    }
  });
});

describe('local mode: our own outcome write', () => {
  it('OutcomeMetadataStartsNoLoop: the registry event for the outcome metadata starts no second execution', async () => {
    // Prepare: the emulator's registry emits a state-change event for metadata-only updates
    // (the harsher reading of undocumented SageMaker behaviour), as record-result makes one.
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const v9 = JSON.parse(JSON.stringify(event));
    v9.id = '9c9d4f0e-1a2b-4c3d-8e9f-0a1b2c3d4e59';
    v9.detail.ModelPackageVersion = 9;
    v9.detail.ModelPackageArn = v9.detail.ModelPackageArn.replace(/\/7$/, '/9');
    v9.resources = [v9.detail.ModelPackageArn];
    v9.detail.LastModifiedTime = '2026-11-23T09:00:00Z';
    const file = join(mkdtempSync(join(tmpdir(), 'v9-')), 'v9.json');
    writeFileSync(file, JSON.stringify(v9));
    const startPipelineCalls = () =>
      emulator.functions.invocations.filter((i) => i.key === 'startPipeline');
    const before = startPipelineCalls().length;
    // Act: a release that records its outcome on the model package.
    const release = await runSimulation({ event: file, approve: true, endpoint: emulator.url });
    expect(release.status).toBe('SUCCEEDED');
    await until('the outcome event to be handled', async () => {
      await Promise.all([...emulator.pending]);
      return startPipelineCalls().length >= before + 2 ? true : undefined;
    });
    await Promise.all([...emulator.pending]);
    // Assess: start-pipeline saw the metadata event, handled it without error, and started nothing.
    const outcome = emulator.world.modelPackages.get(v9.detail.ModelPackageArn);
    expect(Object.keys(outcome?.CustomerMetadataProperties ?? {}).join(' ')).toMatch(/edge-mlops:/);
    expect(
      startPipelineCalls()
        .slice(before)
        .filter((i) => i.error),
    ).toEqual([]);
    const v9Executions = [...emulator.sfn.executions.values()].filter((e) =>
      e.name.startsWith('defect-detector-v9-'),
    );
    expect(v9Executions).toHaveLength(1);
  }, 180_000);
});

describe('local mode: events that cannot be processed', () => {
  const dlq = () => emulator.world.queues.get('edge-mlops-local-ingest-dlq') ?? [];
  const deliver = (e: unknown) =>
    fetch(`${emulator.url}/_emulator/deliver`, {
      method: 'POST',
      body: JSON.stringify({ event: e }),
    }).then((r) => r.json() as Promise<any>);
  const foreign = (version: number, pad = 0) => {
    const e = JSON.parse(JSON.stringify(event));
    e.id = `foreign-${version}`;
    e.detail.ModelPackageVersion = version;
    e.detail.ModelPackageArn = `arn:aws:sagemaker:us-east-1:111122223333:model-package/defect-detector/${version}`;
    e.detail.LastModifiedTime = '2026-11-24T00:00:00Z';
    if (pad) e.detail.CustomerMetadataProperties = { notes: 'n'.repeat(pad) };
    return e;
  };

  it('UnlistedRegistryDeadLettered: an approval from an unlisted account lands in the DLQ, starting nothing', async () => {
    // Prepare
    const before = dlq().length;
    // Act
    const { deliveries } = await deliver(foreign(11));
    // Assess
    expect(deliveries[0]).toMatchObject({
      error: { name: 'UnlistedRegistry' },
      deadLettered: true,
    });
    const record = JSON.parse(dlq()[before]!.body);
    expect(record.responsePayload.errorMessage).toContain(
      'its account 111122223333 is not in registry.accounts (000000000000)',
    );
    expect([...emulator.sfn.executions.values()].map((x) => x.name)).not.toContainEqual(
      expect.stringMatching(/^defect-detector-v11-/),
    );
  }, 60_000);

  it('OversizedEventDeadLettered: a failing 300 KB event still leaves a bounded, replayable record', async () => {
    // Prepare
    const before = dlq().length;
    // Act
    const { deliveries } = await deliver(foreign(12, 300_000));
    // Assess: start-pipeline recorded it itself; Lambda's own record would not fit in SQS.
    expect(deliveries[0].result).toMatchObject({ decision: 'dead-lettered' });
    expect(dlq()).toHaveLength(before + 1);
    const body = dlq()[before]!.body;
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(262_144);
    const record = JSON.parse(body);
    expect(record.responsePayload.errorType).toBe('UnlistedRegistry');
    expect(record.requestPayload.detail.ModelPackageArn).toBe(
      'arn:aws:sagemaker:us-east-1:111122223333:model-package/defect-detector/12',
    );
    expect(record.requestPayload['edge-mlops:truncated'].bytes).toBeGreaterThan(300_000);
  }, 60_000);
});

describe('local mode: the sample Rejected event after a release', () => {
  let own: Emulator;
  beforeAll(async () => {
    own = await startLocalEmulator();
  }, 60_000);
  afterAll(() => own.close());

  it('SampleRejectedRollsBack: simulate --event events/model-package-rejected.json follows the rollback it started', async () => {
    // Prepare: v7 is released, as `simulate --endpoint … --approve` does.
    const release = await runSimulation({ approve: true, endpoint: own.url });
    expect(release.status).toBe('SUCCEEDED');
    // Act: the sample Rejected event of v7, as docs/events.md lists it.
    const lines: string[] = [];
    const rejected = await runSimulation(
      { event: join(ROOT, 'events/model-package-rejected.json'), endpoint: own.url },
      (line) => lines.push(line),
    );
    // Assess: not stale; the summary is the rollback execution's, with each fleet's outcome.
    expect(rejected.deliveries).toEqual([
      expect.objectContaining({
        decision: 'rejected',
        rollbackExecutionArn: expect.stringContaining(':rollback-defect-detector-v7-'),
      }),
    ]);
    expect(rejected.status).toBe('SUCCEEDED');
    expect(rejected.executionName).toMatch(/^rollback-defect-detector-v7-/);
    expect(rejected.statesVisited).toEqual(['Roll Back Rejected Release', 'Rollback Complete']);
    expect(rejected.fleets).toEqual([
      { fleet: 'factory-jetson', status: 'ROLLED BACK to nothing' },
      { fleet: 'field-rpi', status: 'ROLLED BACK to nothing' },
    ]);
    expect(lines).toContain('→ Roll Back Rejected Release');
  });
});
