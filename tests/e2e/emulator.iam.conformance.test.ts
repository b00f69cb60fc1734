import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateDeploymentCommand, GreengrassV2Client } from '@aws-sdk/client-greengrassv2';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateCompilationJobCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { Emulator } from '../../emulator/emulator';
import { readService } from '../../emulator/serverless-service';
import { loadStageConfig } from '../../functions/shared/stage-config/load';

/**
 * IAM in the emulator: each function calls with its own execution role (the statements
 * serverless.yml packages), and a call its role does not allow is refused in the service's
 * own wire format, as AWS refuses it. Clients here use exactly the credentials the
 * function's worker gets.
 */
const ROOT = join(__dirname, '../..');

let emulator: Emulator;
beforeAll(async () => {
  emulator = await Emulator.start({
    config: loadStageConfig(join(ROOT, 'config/local.yml')),
    configFile: join(ROOT, 'config/local.yml'),
  });
}, 60_000);
afterAll(() => emulator.close());

/** SDK client options for calls made as function `key` (no retries: the first answer counts). */
const as = (key: string) => ({
  endpoint: emulator.url,
  region: 'us-east-1',
  credentials: emulator.credentialsOf(key),
  maxAttempts: 1,
});
const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: Error & { $metadata?: { httpStatusCode?: number }; Code?: string }) => ({
      name: e.name,
      status: e.$metadata?.httpStatusCode,
      message: e.message,
    }),
  );
const role = (key: string) => `assumed-role/edge-mlops-local-${key}-us-east-1-lambdaRole`;
const job = (name: string, roleArn: string) =>
  new CreateCompilationJobCommand({
    CompilationJobName: name,
    RoleArn: roleArn,
    InputConfig: {
      S3Uri: 's3://edge-mlops-local-models/m.tar.gz',
      Framework: 'PYTORCH',
      DataInputConfig: '{"input0":[1,3,224,224]}',
    },
    OutputConfig: { S3OutputLocation: 's3://out/x/', TargetDevice: 'rasp4b' },
    StoppingCondition: { MaxRuntimeInSeconds: 900 },
  });

describe('IAM: a function may only do what its role allows', () => {
  it('DynamoDB answers AccessDeniedException (400) for an action the role lacks', async () => {
    // Prepare: approval-watchdog may only Scan the state table.
    const dynamo = new DynamoDBClient(as('approvalWatchdog'));
    const table = emulator.resources.StateTable!.ref;
    // Act
    const refused = await refusal(
      dynamo.send(
        new GetItemCommand({ TableName: table, Key: { pk: { S: 'x' }, sk: { S: 'y' } } }),
      ),
    );
    // Assess
    expect(refused).toMatchObject({ name: 'AccessDeniedException', status: 400 });
    expect(refused.message).toBe(
      `User: arn:aws:sts::000000000000:${role('approvalWatchdog')}/edge-mlops-local-approvalWatchdog is not authorized to perform: dynamodb:GetItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table/${table} because no identity-based policy allows the dynamodb:GetItem action`,
    );
  });

  it('S3 answers AccessDenied (403, XML) for an object the role may not write', async () => {
    // Prepare: approval-api has no S3 statement at all.
    const s3 = new S3Client({ ...as('approvalApi'), forcePathStyle: true });
    // Act
    const refused = await refusal(
      s3.send(
        new PutObjectCommand({
          Bucket: emulator.resources.ArtifactBucket!.ref,
          Key: 'evidence/x.json',
          Body: '{}',
        }),
      ),
    );
    // Assess
    expect(refused).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(refused.message).toContain('s3:PutObject');
  });

  it('SNS answers AuthorizationError (403, query XML) for a topic the role may not publish to', async () => {
    // Prepare: request-approval publishes to the approval topic only.
    const sns = new SNSClient(as('requestApproval'));
    // Act
    const refused = await refusal(
      sns.send(
        new PublishCommand({ TopicArn: emulator.resources.NotificationsTopic!.ref, Message: 'x' }),
      ),
    );
    // Assess
    // The wire code is AuthorizationError; the SDK's exception class adds "Exception".
    expect(refused).toMatchObject({ name: 'AuthorizationErrorException', status: 403 });
    expect(refused.message).toContain('sns:Publish');
  });

  it('Greengrass answers AccessDeniedException (403) for a deployment from a read-only role', async () => {
    // Prepare: check-deployment may only read deployments.
    const greengrass = new GreengrassV2Client(as('checkDeployment'));
    // Act
    const refused = await refusal(
      greengrass.send(
        new CreateDeploymentCommand({
          targetArn: 'arn:aws:iot:us-east-1:000000000000:thinggroup/factory-jetson-canary',
          components: {},
        }),
      ),
    );
    // Assess
    expect(refused).toMatchObject({ name: 'AccessDeniedException', status: 403 });
    expect(refused.message).toContain('greengrass:CreateDeployment');
  });

  it('SageMaker evaluates resource ARNs: a job outside edge-<stage>-* is refused', async () => {
    // Prepare
    const sagemaker = new SageMakerClient(as('startCompilation'));
    const neoRole = emulator.resources.NeoRole!.attributes.Arn!;
    // Act
    const refused = await refusal(sagemaker.send(job('other-job', neoRole)));
    // Assess
    expect(refused).toMatchObject({ name: 'AccessDeniedException', status: 400 });
    expect(refused.message).toContain(
      'sagemaker:CreateCompilationJob on resource: arn:aws:sagemaker:us-east-1:000000000000:compilation-job/other-job',
    );
  });

  it('evaluates conditions and dependent actions: iam:PassRole only for the Neo role', async () => {
    // Prepare
    const sagemaker = new SageMakerClient(as('startCompilation'));
    const neoRole = emulator.resources.NeoRole!.attributes.Arn!;
    // Act
    const allowed = await sagemaker.send(job('edge-local-iam-allowed', neoRole));
    const refused = await refusal(
      sagemaker.send(job('edge-local-iam-refused', 'arn:aws:iam::000000000000:role/admin')),
    );
    // Assess
    expect(allowed.CompilationJobArn).toContain('edge-local-iam-allowed');
    expect(refused).toMatchObject({ name: 'AccessDeniedException' });
    expect(refused.message).toContain(
      'iam:PassRole on resource: arn:aws:iam::000000000000:role/admin',
    );
  });

  it('refuses credentials the emulator never issued in its key format', async () => {
    // Prepare
    const dynamo = new DynamoDBClient({
      ...as('approvalWatchdog'),
      credentials: { accessKeyId: 'ASIA0000000000000000', secretAccessKey: 'x', sessionToken: 'y' },
    });
    // Act
    const refused = await refusal(
      dynamo.send(
        new GetItemCommand({
          TableName: emulator.resources.StateTable!.ref,
          Key: { pk: { S: 'x' }, sk: { S: 'y' } },
        }),
      ),
    );
    // Assess
    expect(refused).toMatchObject({ name: 'UnrecognizedClientException', status: 403 });
  });
});

describe('provisioning refuses what Lambda refuses at deploy time', () => {
  it('a traced function whose role lacks the X-Ray actions, naming the function', async () => {
    // Prepare: the template as it was before roles inherited the X-Ray statement.
    const service = readService();
    const raw = structuredClone(service.raw) as any;
    delete raw.provider.iam;
    // Act
    const started = Emulator.start({
      config: loadStageConfig(join(ROOT, 'config/local.yml')),
      configFile: join(ROOT, 'config/local.yml'),
      service: { ...service, raw },
    });
    // Assess
    await expect(started).rejects.toThrow(
      'CreateFunction edge-mlops-local-startPipeline: InvalidParameterValueException: The provided execution role does not have permissions to call PutTraceSegments on XRAY',
    );
  });
});

describe('alarms on a topic encrypted with the AWS-managed SNS key', () => {
  it('are reported at provisioning, and their notifications are dropped, not delivered', async () => {
    // Prepare: a deliberately wrong template, whatever key today's serverless.yml uses.
    const service = readService();
    const raw = structuredClone(service.raw) as any;
    const resources = raw.resources.Resources;
    const topic = resources.DeadLettersAlarm.Properties.AlarmActions[0].Ref as string;
    resources[topic].Properties = {
      ...resources[topic].Properties,
      KmsMasterKeyId: 'alias/aws/sns',
    };
    const wrong = await Emulator.start({
      config: loadStageConfig(join(ROOT, 'config/local.yml')),
      configFile: join(ROOT, 'config/local.yml'),
      service: { ...service, raw },
    });
    const control = async (path: string, body?: unknown) =>
      (
        await fetch(
          `${wrong.url}/_emulator/${path}`,
          body ? { method: 'POST', body: JSON.stringify(body) } : {},
        )
      ).json() as Promise<any>;
    try {
      // Act: start-pipeline cannot start executions, so the event ends in the dead-letter queue.
      await control('options', { failingOperations: ['states.StartExecution'] });
      const event = JSON.parse(
        readFileSync(join(ROOT, 'events/model-package-approved.json'), 'utf8'),
      );
      const { deliveries } = await control('deliver', { event });
      const state = await control('state');
      // Assess
      expect(deliveries[0].deadLettered).toBe(true);
      expect(state.alarms.undeliverable).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            alarm: 'DeadLettersAlarm',
            topicArn: wrong.resources[topic]!.ref,
          }),
        ]),
      );
      expect(state.alarms.dropped).toEqual([
        expect.objectContaining({
          alarm: 'DeadLettersAlarm',
          topicArn: wrong.resources[topic]!.ref,
        }),
      ]);
      expect(
        state.sns.filter((m: { topicArn: string }) => m.topicArn === wrong.resources[topic]!.ref),
      ).toEqual([]);
    } finally {
      await wrong.close();
    }
  }, 60_000);
});
