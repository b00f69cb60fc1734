import {
  DescribeModelPackageCommand,
  SageMakerClient,
  UpdateModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { recordFailure, stageReached } from '../../../functions/record-failure/record-failure';
import {
  type RecordResultDeps,
  recordResult,
} from '../../../functions/record-result/record-result';
import { ERROR_TAXONOMY } from '../../../functions/shared/error-taxonomy';
import { readableCause } from '../../../functions/shared/errors';
import { metadataValue } from '../../../functions/shared/outcome/model-package-metadata';
import type { Notification } from '../../../functions/shared/outcome/notify';
import type { Plan } from '../../../functions/shared/plan';
import {
  registeredComponents,
  samplePlan,
  silentLogger,
  TEST_EXECUTION_ARN,
} from '../../helpers/fixtures';

const sagemaker = mockClient(SageMakerClient);
const NOW = new Date('2026-11-25T12:00:00Z');
let sent: Notification[] = [];
type BaselineAnswer = Awaited<ReturnType<RecordResultDeps['driftBaseline']>>;
const deps = (driftBaseline: () => Promise<BaselineAnswer> = async () => undefined) => ({
  sagemaker: new SageMakerClient({}),
  notifyOnce: async (n: Notification) => {
    sent.push(n);
  },
  logger: silentLogger(),
  now: () => NOW,
  config: { stage: 'local' },
  driftBaseline,
});

let plan: Plan;
beforeAll(async () => {
  plan = await samplePlan();
});
beforeEach(() => {
  sagemaker.reset();
  sent = [];
  sagemaker
    .on(DescribeModelPackageCommand)
    .resolves({ CustomerMetadataProperties: { dataset: 'line-2026-10' } });
  sagemaker.on(UpdateModelPackageCommand).resolves({});
});

describe('recordResult', () => {
  it('writes the outcome onto the model package and sends one human summary', async () => {
    // Act
    const result = await recordResult(
      {
        plan,
        components: registeredComponents(plan),
        rollout: [
          { fleet: 'factory-jetson', status: 'DEPLOYED', waves: ['canary', 'main'] },
          { fleet: 'field-rpi', status: 'DEPLOYED', waves: ['all'] },
        ],
        twinTests: { summary: 'all 3 twin tests passed', reportUri: 's3://a/r.json' },
      },
      deps(),
    );
    // Assess
    expect(result.fleets).toEqual(['factory-jetson', 'field-rpi']);
    expect(sagemaker).toHaveReceivedCommandWith(UpdateModelPackageCommand, {
      ModelPackageArn: plan.modelPackageArn,
      CustomerMetadataProperties: {
        'edge-mlops:local:status': 'deployed',
        'edge-mlops:local:stage-reached': 'production',
        'edge-mlops:local:fleets': 'factory-jetson field-rpi',
        'edge-mlops:local:execution': TEST_EXECUTION_ARN,
        'edge-mlops:local:updated-at': '2026-11-25T12:00:00.000Z',
      },
    });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.key).toBe(`${TEST_EXECUTION_ARN}#result`);
    expect(sent[0]!.subject).toBe('[edge-mlops local] defect-detector v7 deployed');
    expect(sent[0]!.message).toContain('- factory-jetson: DEPLOYED (waves: canary → main)');
  });

  const input = () => ({ plan, components: registeredComponents(plan), rollout: [] });

  it('snapshots the drift baseline of a monitored group at release time and names its source', async () => {
    // Prepare
    const asked: [string, number][] = [];
    // Act
    const result = await recordResult(
      input(),
      deps(async () => {
        asked.push([plan.modelPackageGroupName, plan.modelPackageVersion]);
        return { source: 's3://models/defect-detector/7/baseline.json' };
      }),
    );
    // Assess
    expect(asked).toEqual([['defect-detector', 7]]);
    expect(result.driftBaseline).toEqual({ source: 's3://models/defect-detector/7/baseline.json' });
    expect(sent[0]!.message).toContain(
      'Drift baseline: s3://models/defect-detector/7/baseline.json',
    );
  });

  it('a baseline that cannot be recorded never fails the release: it is said, and detect-drift tries again', async () => {
    // Act
    const missing = await recordResult(
      input(),
      deps(async () => ({ missing: 's3://b/k.json: no such object' })),
    );
    const failing = await recordResult(
      input(),
      deps(async () => {
        throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied' });
      }),
    );
    // Assess
    expect(missing.status).toBe('DEPLOYED');
    expect(failing.status).toBe('DEPLOYED');
    expect(failing.driftBaseline).toEqual({ error: 'AccessDenied: Access Denied' });
    expect(sent[0]!.message).toContain(
      'Drift baseline: not recorded (s3://b/k.json: no such object); detect-drift tries again at its next run',
    );
  });

  it('says nothing of a baseline for a group that is not monitored', async () => {
    // Act
    const result = await recordResult(input(), deps());
    // Assess
    expect(result).not.toHaveProperty('driftBaseline');
    expect(sent[0]!.message).not.toContain('Drift baseline');
  });

  it('stays within the 50-entry limit of CustomerMetadataProperties', async () => {
    // Prepare
    const many = Object.fromEntries(Array.from({ length: 48 }, (_, i) => [`k${i}`, 'v']));
    sagemaker.on(DescribeModelPackageCommand).resolves({ CustomerMetadataProperties: many });
    // Act
    const result = await recordResult(
      { plan, components: registeredComponents(plan), rollout: [] },
      deps(),
    );
    // Assess
    expect(Object.keys(result.metadata)).toEqual([
      'edge-mlops:local:status',
      'edge-mlops:local:stage-reached',
    ]);
  });

  it('retries a concurrent update of the package as transient', async () => {
    // Prepare
    sagemaker
      .on(UpdateModelPackageCommand)
      .rejects(Object.assign(new Error('conflict'), { name: 'ConflictException' }));
    // Act & Assess
    await expect(
      recordResult({ plan, components: registeredComponents(plan), rollout: [] }, deps()),
    ).rejects.toMatchObject({ name: 'TransientError' });
  });
});

describe('recordFailure', () => {
  const failed = (
    errorName: string,
    cause: string,
    state: Record<string, unknown> = { plan: {}, build: { done: true } },
  ) => ({
    modelPackageArn: plan.modelPackageArn,
    modelPackageGroupName: 'defect-detector',
    modelPackageVersion: 7,
    executionArn: TEST_EXECUTION_ARN,
    error: { Error: errorName, Cause: cause },
    state,
  });

  it("records the error with the Lambda's message as cause and how far the run got", async () => {
    // Act
    const result = await recordFailure(
      failed(
        'CompilationFailed',
        JSON.stringify({
          errorType: 'CompilationFailed',
          errorMessage: 'compilation job x FAILED: bad shape',
        }),
      ),
      deps(),
    );
    // Assess
    expect(result).toEqual({
      status: 'FAILED',
      error: 'CompilationFailed',
      cause: 'compilation job x FAILED: bad shape',
      stageReached: 'compiled',
    });
    expect(sagemaker).toHaveReceivedCommandWith(UpdateModelPackageCommand, {
      CustomerMetadataProperties: expect.objectContaining({
        'edge-mlops:local:status': 'failed',
        'edge-mlops:local:error': 'CompilationFailed: compilation job x FAILED: bad shape',
      }),
    });
    expect(sent[0]!.message).toContain(`edge-mlops executions explain ${TEST_EXECUTION_ARN}`);
    expect(sent[0]!.message).toContain(`What to do: ${ERROR_TAXONOMY.CompilationFailed.advice}`);
  });

  it('gives no advice for an error outside the taxonomy (a bug: the cause is all there is)', async () => {
    // Act
    await recordFailure(failed('TypeError', 'x is undefined'), deps());
    // Assess
    expect(sent[0]!.message).not.toContain('What to do:');
  });

  it.each([
    ['ApprovalRejected', { plan: {}, twinTests: {} }, 'approval'],
    ['ApprovalTimedOut', { plan: {}, twinTests: {} }, 'approval'],
    ['RolloutAborted', { plan: {}, twinTests: {}, approval: {} }, 'production'],
    ['DeploymentFailed', { plan: {}, components: {} }, 'registered'],
  ])(
    'reads the stage reached by %s (with state %j) as %s: the error tells for the last stages, the state for the others',
    (error, state, stage) => {
      expect(stageReached(state, error)).toBe(stage);
    },
  );

  it.each([
    ['ApprovalRejected', 'REJECTED'],
    ['Superseded', 'SUPERSEDED'],
    ['TwinTestsFailed', 'FAILED'],
  ])('maps %s to status %s', async (error, status) => {
    // Act & Assess
    await expect(recordFailure(failed(error, 'x'), deps())).resolves.toMatchObject({ status });
  });

  it('reads the stage reached from the results the state holds', () => {
    expect(stageReached({})).toBe('started');
    expect(
      stageReached({ plan: {}, build: { done: true }, components: {}, twin: {}, twinTests: {} }),
    ).toBe('twin-tests');
    expect(stageReached({ plan: {}, rollout: [] })).toBe('production');
    // Build Targets keeps its progress in $.build: compiled only once every target is built.
    expect(stageReached({ plan: {}, build: { done: false } })).toBe('resolved');
    expect(stageReached({ plan: {}, build: { done: true } })).toBe('compiled');
  });

  it('keeps a plain-text cause as it is', () => {
    expect(readableCause('nobody approved within 60 seconds')).toBe(
      'nobody approved within 60 seconds',
    );
  });
});

describe('metadataValue', () => {
  it('keeps only characters SageMaker accepts and at most 256 of them', () => {
    // Act
    const value = metadataValue(`wave (canary) failed, 30% > 5% ${'x'.repeat(400)}`);
    // Assess
    expect(value.length).toBeLessThanOrEqual(256);
    expect(value).toMatch(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u);
  });
});
