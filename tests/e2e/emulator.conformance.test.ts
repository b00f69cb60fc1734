import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CancelDeploymentCommand,
  CreateComponentVersionCommand,
  CreateDeploymentCommand,
  GreengrassV2Client,
} from '@aws-sdk/client-greengrassv2';
import {
  CreateCompilationJobCommand,
  CreateEdgePackagingJobCommand,
  DescribeCompilationJobCommand,
  DescribeModelPackageCommand,
  SageMakerClient,
  UpdateModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  DescribeExecutionCommand,
  RedriveExecutionCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Emulator } from '../../emulator/emulator';
import { loadStageConfig } from '../../functions/shared/stage-config/load';

/**
 * The emulator refuses what AWS refuses, with AWS's error codes, through unchanged SDK
 * clients. One test per rule; the source of each rule is cited next to it in emulator/.
 */
const ROOT = join(__dirname, '../..');
const event = JSON.parse(readFileSync(join(ROOT, 'events/model-package-approved.json'), 'utf8'));
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
// No SDK retries: the first answer is the one under test.
const opts = () => ({ endpoint: emulator.url, region: 'us-east-1', credentials, maxAttempts: 1 });

let emulator: Emulator;
let sagemaker: SageMakerClient;
let greengrass: GreengrassV2Client;
let sfn: SFNClient;
beforeAll(async () => {
  emulator = await Emulator.start({
    config: loadStageConfig(join(ROOT, 'config/local.yml')),
    configFile: join(ROOT, 'config/local.yml'),
  });
  await emulator.seed(event);
  sagemaker = new SageMakerClient(opts());
  greengrass = new GreengrassV2Client(opts());
  sfn = new SFNClient(opts());
}, 60_000);
afterAll(() => emulator.close());

const job = (name: string, output: Record<string, unknown> = { TargetDevice: 'rasp4b' }) =>
  new CreateCompilationJobCommand({
    CompilationJobName: name,
    RoleArn: 'arn:aws:iam::000000000000:role/neo',
    InputConfig: {
      S3Uri: 's3://edge-mlops-local-models/m.tar.gz',
      Framework: 'PYTORCH',
      DataInputConfig: '{"input0":[1,3,224,224]}',
    },
    OutputConfig: { S3OutputLocation: 's3://out/x/', ...output } as never,
    StoppingCondition: { MaxRuntimeInSeconds: 900 },
  });
const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: Error & { $metadata?: { httpStatusCode?: number } }) => ({
      name: e.name,
      status: e.$metadata?.httpStatusCode,
      message: e.message,
    }),
  );

const recipe = (name: string, version: string, artifact?: string) =>
  new TextEncoder().encode(
    JSON.stringify({
      RecipeFormatVersion: '2020-01-25',
      ComponentName: name,
      ComponentVersion: version,
      Manifests: [{ Lifecycle: {}, Artifacts: artifact ? [{ URI: artifact }] : [] }],
    }),
  );

describe('SageMaker', () => {
  it('refuses a compilation job name longer than 63 characters', async () => {
    expect(await refusal(sagemaker.send(job('a'.repeat(64))))).toMatchObject({
      name: 'ValidationException',
      status: 400,
    });
  });
  it('refuses a compilation job name outside [a-zA-Z0-9](-*[a-zA-Z0-9])*', async () => {
    expect(await refusal(sagemaker.send(job('bad_name')))).toMatchObject({
      name: 'ValidationException',
    });
  });
  it('refuses a second job with the same name (ResourceInUse)', async () => {
    await sagemaker.send(job('dup-job'));
    expect(await refusal(sagemaker.send(job('dup-job')))).toMatchObject({
      name: 'ResourceInUse',
      status: 400,
    });
  });
  it('refuses TargetDevice and TargetPlatform together', async () => {
    expect(
      await refusal(
        sagemaker.send(
          job('both', { TargetDevice: 'rasp4b', TargetPlatform: { Os: 'LINUX', Arch: 'ARM64' } }),
        ),
      ),
    ).toMatchObject({ name: 'ValidationException' });
  });
  it('answers ResourceNotFound for an unknown compilation job', async () => {
    expect(
      await refusal(
        sagemaker.send(new DescribeCompilationJobCommand({ CompilationJobName: 'nope' })),
      ),
    ).toMatchObject({ name: 'ResourceNotFound' });
  });
  it('answers ValidationException for an unknown model package', async () => {
    expect(
      await refusal(
        sagemaker.send(
          new DescribeModelPackageCommand({
            ModelPackageName: 'arn:aws:sagemaker:us-east-1:000000000000:model-package/none/1',
          }),
        ),
      ),
    ).toMatchObject({ name: 'ValidationException' });
  });
  it('refuses a CustomerMetadataProperties value longer than 256 characters', async () => {
    expect(
      await refusal(
        sagemaker.send(
          new UpdateModelPackageCommand({
            ModelPackageArn: event.detail.ModelPackageArn,
            CustomerMetadataProperties: { k: 'v'.repeat(257) },
          }),
        ),
      ),
    ).toMatchObject({ name: 'ValidationException' });
  });
  it('refuses an Edge Manager model version with a hyphen', async () => {
    await sagemaker.send(job('for-edge'));
    const request = new CreateEdgePackagingJobCommand({
      EdgePackagingJobName: 'pkg',
      CompilationJobName: 'for-edge',
      ModelName: 'm',
      ModelVersion: 'v-1',
      RoleArn: 'arn:aws:iam::000000000000:role/neo',
      OutputConfig: { S3OutputLocation: 's3://out/p/' },
    });
    expect(await refusal(sagemaker.send(request))).toMatchObject({ name: 'ValidationException' });
  });
});

describe('Greengrass v2', () => {
  it('refuses a component version that already exists (ConflictException, 409)', async () => {
    await greengrass.send(
      new CreateComponentVersionCommand({ inlineRecipe: recipe('com.test.a', '1.0.0') }),
    );
    expect(
      await refusal(
        greengrass.send(
          new CreateComponentVersionCommand({ inlineRecipe: recipe('com.test.a', '1.0.0') }),
        ),
      ),
    ).toMatchObject({ name: 'ConflictException', status: 409 });
  });
  it('answers a repeated clientToken with the first response', async () => {
    const first = await greengrass.send(
      new CreateComponentVersionCommand({
        inlineRecipe: recipe('com.test.b', '1.0.0'),
        clientToken: 'tok-b',
      }),
    );
    const again = await greengrass.send(
      new CreateComponentVersionCommand({
        inlineRecipe: recipe('com.test.b', '1.0.0'),
        clientToken: 'tok-b',
      }),
    );
    expect(again.arn).toBe(first.arn);
    expect(again.creationTimestamp).toEqual(first.creationTimestamp);
  });
  it('refuses a recipe whose artifact cannot be read', async () => {
    expect(
      await refusal(
        greengrass.send(
          new CreateComponentVersionCommand({
            inlineRecipe: recipe('com.test.c', '1.0.0', 's3://nowhere/missing.zip'),
          }),
        ),
      ),
    ).toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('Specified artifact resource cannot be accessed'),
    });
  });
  it('refuses a deployment to a target that is not a thing or thing group ARN', async () => {
    expect(
      await refusal(
        greengrass.send(
          new CreateDeploymentCommand({
            targetArn: 'arn:aws:iot:us-east-1:000000000000:device/x',
            components: {},
          }),
        ),
      ),
    ).toMatchObject({ name: 'ValidationException' });
  });
  it('answers ResourceNotFoundException for an unknown target', async () => {
    expect(
      await refusal(
        greengrass.send(
          new CreateDeploymentCommand({
            targetArn: 'arn:aws:iot:us-east-1:000000000000:thinggroup/nobody',
            components: {},
          }),
        ),
      ),
    ).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
  });
  it('answers ResourceNotFoundException for a component version that does not exist', async () => {
    const targetArn = 'arn:aws:iot:us-east-1:000000000000:thinggroup/field-rpi';
    expect(
      await refusal(
        greengrass.send(
          new CreateDeploymentCommand({
            targetArn,
            components: { 'com.test.none': { componentVersion: '9.9.9' } },
          }),
        ),
      ),
    ).toMatchObject({ name: 'ResourceNotFoundException' });
  });
  it('refuses to cancel a deployment twice (ConflictException)', async () => {
    const targetArn = 'arn:aws:iot:us-east-1:000000000000:thinggroup/field-rpi';
    const { deploymentId } = await greengrass.send(
      new CreateDeploymentCommand({
        targetArn,
        components: { 'aws.greengrass.Nucleus': { componentVersion: '2.12.6' } },
      }),
    );
    await greengrass.send(new CancelDeploymentCommand({ deploymentId }));
    expect(
      await refusal(greengrass.send(new CancelDeploymentCommand({ deploymentId }))),
    ).toMatchObject({ name: 'ConflictException' });
  });
});

describe('Step Functions', () => {
  const machineArn = () =>
    emulator.sfn.createStateMachine(
      'conformance',
      { StartAt: 'Hold', States: { Hold: { Type: 'Wait', Seconds: 3600, End: true } } },
      'arn:aws:iam::000000000000:role/sfn',
    ).arn;

  it('refuses an execution name longer than 80 characters', async () => {
    expect(
      await refusal(
        sfn.send(
          new StartExecutionCommand({ stateMachineArn: machineArn(), name: 'n'.repeat(81) }),
        ),
      ),
    ).toMatchObject({ name: 'ValidationException' });
  });
  it('refuses an execution name with a character AWS does not allow', async () => {
    expect(
      await refusal(
        sfn.send(new StartExecutionCommand({ stateMachineArn: machineArn(), name: 'has space' })),
      ),
    ).toMatchObject({ name: 'InvalidName' });
  });
  it('returns the running execution for the same name and input, and refuses other input (ExecutionAlreadyExists)', async () => {
    const arn = machineArn();
    const first = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: arn, name: 'same', input: '{"a":1}' }),
    );
    const again = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: arn, name: 'same', input: '{"a":1}' }),
    );
    expect(again.executionArn).toBe(first.executionArn);
    expect(
      await refusal(
        sfn.send(
          new StartExecutionCommand({ stateMachineArn: arn, name: 'same', input: '{"a":2}' }),
        ),
      ),
    ).toMatchObject({ name: 'ExecutionAlreadyExists' });
  });
  it('answers InvalidToken for a token it never issued', async () => {
    expect(
      await refusal(
        sfn.send(new SendTaskSuccessCommand({ taskToken: 'forged-token', output: '{}' })),
      ),
    ).toMatchObject({ name: 'InvalidToken' });
  });
  it('refuses to redrive a running execution (ExecutionNotRedrivable)', async () => {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: machineArn(), name: 'still-running' }),
    );
    expect(await refusal(sfn.send(new RedriveExecutionCommand({ executionArn })))).toMatchObject({
      name: 'ExecutionNotRedrivable',
    });
  });
  it('answers ExecutionDoesNotExist for an unknown execution', async () => {
    expect(
      await refusal(
        sfn.send(
          new DescribeExecutionCommand({
            executionArn: 'arn:aws:states:us-east-1:000000000000:execution:conformance:ghost',
          }),
        ),
      ),
    ).toMatchObject({ name: 'ExecutionDoesNotExist' });
  });
});

describe('SNS and Secrets Manager', () => {
  it('answers NotFound (NotFoundException in the SDK) when publishing to a topic that does not exist', async () => {
    const sns = new SNSClient(opts());
    expect(
      await refusal(
        sns.send(
          new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:none', Message: 'x' }),
        ),
      ),
    ).toMatchObject({ name: 'NotFoundException', status: 404 });
  });
  it('answers ResourceNotFoundException for an unknown secret', async () => {
    const secrets = new SecretsManagerClient(opts());
    expect(
      await refusal(secrets.send(new GetSecretValueCommand({ SecretId: 'none' }))),
    ).toMatchObject({ name: 'ResourceNotFoundException' });
  });
});

describe('SQS', () => {
  it('refuses a message over the queue limit of 262,144 bytes', async () => {
    // Prepare
    const sqs = new SQSClient(opts());
    const QueueUrl = `${emulator.url}/000000000000/edge-mlops-local-ingest-dlq`;
    // Act & Assess
    expect(
      await refusal(
        sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x'.repeat(262_145) })),
      ),
    ).toMatchObject({
      name: 'InvalidParameterValue',
      message:
        'One or more parameters are invalid. Reason: Message must be shorter than 262144 bytes.',
    });
    await expect(
      sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x'.repeat(262_144) })),
    ).resolves.toMatchObject({ MessageId: expect.any(String) });
  });
});
