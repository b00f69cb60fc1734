import { DescribeModelPackageCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import {
  type ResolveModelDeps,
  resolveModel,
} from '../../../functions/resolve-model/resolve-model';
import { SAGEMAKER_ENTITY_NAME } from '../../../functions/shared/names';
import { planOnly } from '../../../functions/shared/task-input';
import { parseInput } from '../../../functions/shared/validate';
import {
  describeModelPackageOutput,
  localStageConfig,
  sampleEvent,
  samplePlan,
  silentLogger,
  TEST_BUCKET,
  TEST_EXECUTION_ARN,
  TEST_NEO_ROLE,
} from '../../helpers/fixtures';

const sagemaker = mockClient(SageMakerClient);
const { detail } = sampleEvent('model-package-approved.json');
const input = {
  input: {
    modelPackageArn: detail.ModelPackageArn,
    modelPackageGroupName: detail.ModelPackageGroupName,
    modelPackageVersion: detail.ModelPackageVersion,
  },
  executionArn: TEST_EXECUTION_ARN,
  executionName: 'defect-detector-v7-1a2b3c4d',
};
const deps = (stageConfig = localStageConfig()): ResolveModelDeps => ({
  sagemaker: new SageMakerClient({ region: 'us-east-1' }),
  logger: silentLogger(),
  config: { stage: 'local', stageConfig, artifactBucket: TEST_BUCKET, neoRoleArn: TEST_NEO_ROLE },
});

beforeEach(() => sagemaker.reset());

describe('resolveModel', () => {
  it('reads the model package by ARN and plans one build per target of its profile', async () => {
    // Prepare
    sagemaker.on(DescribeModelPackageCommand).resolves(describeModelPackageOutput());
    // Act
    const plan = await resolveModel(input, deps());
    // Assess
    expect(sagemaker).toHaveReceivedCommandWith(DescribeModelPackageCommand, {
      ModelPackageName: detail.ModelPackageArn,
    });
    expect(plan.targets.map((t) => t.name)).toEqual(['jetson-xavier', 'rpi4']);
    expect(plan.modelDataUrl).toBe(
      's3://edge-mlops-local-models/defect-detector/training-2026-11-19/output/model.tar.gz',
    );
    expect(plan.targets[0]).toMatchObject({
      compilationJobName: 'edge-local-defect-detector-v7-jetson-xavier',
      outputLocation: `s3://${TEST_BUCKET}/local/defect-detector/7/jetson-xavier/compiled/`,
      neo: { targetDevice: 'jetson_xavier' },
      modelComponent: { name: 'com.example.defectdetector.model', version: '1.0.7' },
    });
    expect(plan.modelComponent).toEqual({
      name: 'com.example.defectdetector.model',
      version: '1.0.7',
      major: 1,
    });
    expect(plan.executionArn).toBe(TEST_EXECUTION_ARN);
  });

  it('carries the registry evidence approvers will see', async () => {
    // Prepare
    sagemaker.on(DescribeModelPackageCommand).resolves(describeModelPackageOutput());
    // Act
    const plan = await resolveModel(input, deps());
    // Assess
    expect(plan.registry).toEqual({
      approvalDescription: 'Accuracy 0.962 on the hold-out set; approved by the ML lead',
      createdAt: '2026-11-19T17:42:10.000Z',
      customerMetadata: { dataset: 'line-2026-10', accuracy: '0.962' },
      metrics: [
        {
          kind: 'ModelQuality.Statistics',
          contentType: 'application/json',
          s3Uri: 's3://edge-mlops-local-models/defect-detector/training-2026-11-19/evaluation.json',
        },
      ],
    });
  });

  it('computes the same plan when run twice (a replay finds what the first run made)', async () => {
    // Prepare
    sagemaker.on(DescribeModelPackageCommand).resolves(describeModelPackageOutput());
    // Act
    const first = await resolveModel(input, deps());
    const second = await resolveModel(input, deps());
    // Assess
    expect(second).toEqual(first);
  });

  it.each(['Rejected', 'PendingManualApproval'])(
    'refuses a model package that is now %s',
    async (status) => {
      // Prepare
      sagemaker
        .on(DescribeModelPackageCommand)
        .resolves(describeModelPackageOutput({ ModelApprovalStatus: status }));
      // Act & Assess
      await expect(resolveModel(input, deps())).rejects.toMatchObject({
        name: 'ModelNotApproved',
        message: expect.stringContaining(`is ${status}, not Approved`),
      });
    },
  );

  it('refuses a model package without a model artifact', async () => {
    // Prepare
    sagemaker
      .on(DescribeModelPackageCommand)
      .resolves(
        describeModelPackageOutput({ InferenceSpecification: { Containers: [{ Image: 'x' }] } }),
      );
    // Act & Assess
    await expect(resolveModel(input, deps())).rejects.toMatchObject({
      name: 'ModelArtifactMissing',
      message: expect.stringContaining('has no ModelDataUrl'),
    });
  });

  it('refuses an artifact Neo cannot compile (not a .tar.gz)', async () => {
    // Prepare
    sagemaker.on(DescribeModelPackageCommand).resolves(
      describeModelPackageOutput({
        InferenceSpecification: { Containers: [{ Image: 'x', ModelDataUrl: 's3://b/model.pt' }] },
      }),
    );
    // Act & Assess
    await expect(resolveModel(input, deps())).rejects.toMatchObject({
      name: 'ModelArtifactMissing',
    });
  });

  it('refuses a model group without a profile, naming the configured ones', async () => {
    // Prepare
    const other = { ...input, input: { ...input.input, modelPackageGroupName: 'unknown-group' } };
    // Act & Assess
    await expect(resolveModel(other, deps())).rejects.toMatchObject({
      name: 'ConfigError',
      message:
        'model package group "unknown-group" has no profile in config/local.yml (configured: defect-detector)',
    });
    expect(sagemaker).not.toHaveReceivedCommand(DescribeModelPackageCommand);
  });

  it('refuses malformed input with the bad field named, before any AWS call', async () => {
    // Prepare
    const bad = { ...input, input: { ...input.input, modelPackageArn: 'not-an-arn' } };
    // Act & Assess
    await expect(resolveModel(bad, deps())).rejects.toMatchObject({
      name: 'InvalidInput',
      message: 'invalid task input at input.modelPackageArn: must be a versioned model package ARN',
    });
    expect(sagemaker).not.toHaveReceivedCommand(DescribeModelPackageCommand);
  });

  it('classifies throttling as transient so the state machine retries', async () => {
    // Prepare
    sagemaker.on(DescribeModelPackageCommand).rejects(
      Object.assign(new Error('Rate exceeded'), {
        name: 'ThrottlingException',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    // Act & Assess
    await expect(resolveModel(input, deps())).rejects.toMatchObject({ name: 'TransientError' });
  });

  it('plans valid, distinct job names for a 63-character group at a 9-digit version', async () => {
    // Prepare
    const group = `g${'a1-'.repeat(20)}xy`;
    const arn = `arn:aws:sagemaker:us-east-1:000000000000:model-package/${group}/999999999`;
    const stageConfig = localStageConfig();
    stageConfig.modelGroups[group] = stageConfig.modelGroups['defect-detector']!;
    sagemaker
      .on(DescribeModelPackageCommand)
      .resolves(describeModelPackageOutput({ ModelPackageArn: arn }));
    // Act
    const plan = await resolveModel(
      {
        ...input,
        input: {
          modelPackageArn: arn,
          modelPackageGroupName: group,
          modelPackageVersion: 999999999,
        },
      },
      deps(stageConfig),
    );
    // Assess
    const names = plan.targets.map((t) => t.compilationJobName);
    for (const name of names) {
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(SAGEMAKER_ENTITY_NAME.pattern);
      expect(name.startsWith('edge-local-')).toBe(true);
    }
    expect(new Set(names).size).toBe(names.length);
    expect(plan.modelComponent.version).toBe('1.0.999999999');
  });

  it('plans Edge Manager jobs, hyphen-free model versions and a component per target for edge-manager packaging', async () => {
    // Act
    const plan = await samplePlan((c) => {
      c.modelGroups['defect-detector']!.packaging = 'edge-manager';
    });
    // Assess
    expect(plan.targets.map((t) => t.modelComponent.name)).toEqual([
      'com.example.defectdetector.model.jetson-xavier',
      'com.example.defectdetector.model.rpi4',
    ]);
    for (const target of plan.targets) {
      expect(target.edgePackaging?.modelVersion).toMatch(/^[a-zA-Z0-9 _.]{1,30}$/);
      expect(target.edgePackaging?.jobName).toMatch(SAGEMAKER_ENTITY_NAME.pattern);
    }
  });
});

describe('the plan schema (one definition of the plan, its type inferred)', () => {
  it.each(['native', 'edge-manager'] as const)(
    'accepts every plan Resolve Model makes (%s packaging) unchanged',
    async (packaging) => {
      // Prepare
      const plan = await samplePlan((c) => {
        c.modelGroups['defect-detector']!.packaging = packaging;
      });
      // Act
      const checked = parseInput(planOnly, JSON.parse(JSON.stringify({ plan })));
      // Assess
      expect(checked.plan).toEqual(JSON.parse(JSON.stringify(plan)));
    },
  );

  it('refuses a hand-edited plan naming the bad field', async () => {
    // Prepare
    const plan = await samplePlan();
    const edited = { ...plan, targets: [{ ...plan.targets[0], outputLocation: '/tmp/out' }] };
    // Act
    const parse = () => parseInput(planOnly, { plan: edited });
    // Assess
    expect(parse).toThrow(/invalid task input at plan\.targets\[0\]\.outputLocation/);
  });

  it('refuses a plan whose copied config section is missing', async () => {
    // Prepare
    const { twin: _twin, ...plan } = await samplePlan();
    // Act
    const parse = () => parseInput(planOnly, { plan });
    // Assess
    expect(parse).toThrow(/plan\.twin/);
  });
});
