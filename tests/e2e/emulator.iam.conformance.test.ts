import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateComponentVersionCommand,
  CreateDeploymentCommand,
  GreengrassV2Client,
} from '@aws-sdk/client-greengrassv2';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateCompilationJobCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { Emulator } from '../../emulator/emulator';
import { readService } from '../../emulator/serverless-service';
import { registerInferenceComponent } from '../../functions/register-inference-component/register-inference-component';
import { loadStageConfig } from '../../functions/shared/stage-config/load';
import { samplePlan, silentLogger } from '../helpers/fixtures';

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
    const sagemaker = new SageMakerClient(as('buildTargets'));
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
    const sagemaker = new SageMakerClient(as('buildTargets'));
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

describe('accounts: the twin account is its own namespace, reached through sts:AssumeRole', () => {
  const TWIN_ACCOUNT = '222222222222';
  const DEPLOYER = `arn:aws:iam::${TWIN_ACCOUNT}:role/edge-mlops-local-deployer`;
  const TWIN = `arn:aws:iot:us-east-1:${TWIN_ACCOUNT}:thinggroup/defect-detector-twin`;
  let twinAccount: Emulator;
  const endpoint = () => ({ endpoint: twinAccount.url, region: 'us-east-1', maxAttempts: 1 });
  type Keys = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  const withCredentials = (credentials: Keys) => ({ ...endpoint(), credentials });

  beforeAll(async () => {
    // The local config with its twin (and the deployer role) in another account.
    const text = readFileSync(join(ROOT, 'config/local.yml'), 'utf8').replace(
      'targetArn: arn:aws:iot:us-east-1:000000000000:thinggroup/defect-detector-twin',
      `targetArn: ${TWIN}\n      roleArn: ${DEPLOYER}`,
    );
    const dir = mkdtempSync(join(tmpdir(), 'edge-mlops-accounts-'));
    const file = join(dir, 'local.yml');
    writeFileSync(file, text);
    twinAccount = await Emulator.start({ config: loadStageConfig(file), configFile: file });
  }, 60_000);
  afterAll(() => twinAccount.close());

  const assume = (credentials: Keys) =>
    new STSClient(withCredentials(credentials)).send(
      new AssumeRoleCommand({ RoleArn: DEPLOYER, RoleSessionName: 'edge-mlops' }),
    );

  it('refuses AssumeRole to a caller the role trust policy does not trust', async () => {
    // Act: the operator is no edge-mlops-<stage>-* role of the pipeline account.
    const refused = await refusal(assume({ accessKeyId: 'local', secretAccessKey: 'local' }));
    // Assess
    expect(refused).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(refused.message).toContain(`sts:AssumeRole on resource: ${DEPLOYER}`);
  });

  it('refuses AssumeRole to a function whose own role does not allow sts:AssumeRole', async () => {
    // Act: approval-api has no sts:AssumeRole statement.
    const refused = await refusal(assume(twinAccount.credentialsOf('approvalApi')));
    // Assess
    expect(refused).toMatchObject({ name: 'AccessDenied', status: 403 });
  });

  it('a call into the twin account without AssumeRole is refused', async () => {
    // Prepare: the pipeline account's deployer function, with its own credentials.
    const greengrass = new GreengrassV2Client(
      withCredentials(twinAccount.credentialsOf('deployToTwin')),
    );
    // Act
    const refused = await refusal(
      greengrass.send(new CreateDeploymentCommand({ targetArn: TWIN, components: {} })),
    );
    // Assess: the function's own role grants the IoT job actions Greengrass needs (dependent
    // actions) only on its own account's targets, and this stage has none: IAM refuses.
    expect(refused).toMatchObject({ name: 'AccessDeniedException', status: 403 });
    expect(refused.message).toMatch(
      /edge-mlops-local-deployToTwin is not authorized to perform: iot:/,
    );
  });

  it('assumed credentials act in the twin account, where a pipeline-account component does not exist', async () => {
    // Prepare: a component version registered in the pipeline account (000000000000).
    const pipeline = new GreengrassV2Client(
      withCredentials({ accessKeyId: 'local', secretAccessKey: 'local' }),
    );
    await pipeline.send(
      new CreateComponentVersionCommand({
        inlineRecipe: new TextEncoder().encode(
          JSON.stringify({
            RecipeFormatVersion: '2020-01-25',
            ComponentName: 'com.test.accounts',
            ComponentVersion: '1.0.0',
            Manifests: [],
          }),
        ),
      }),
    );
    // Act
    const assumed = await assume(twinAccount.credentialsOf('deployToTwin'));
    const c = assumed.Credentials!;
    const credentials = {
      accessKeyId: c.AccessKeyId!,
      secretAccessKey: c.SecretAccessKey!,
      sessionToken: c.SessionToken!,
    };
    const identity = await new STSClient(withCredentials(credentials)).send(
      new GetCallerIdentityCommand({}),
    );
    const inTwin = new GreengrassV2Client(withCredentials(credentials));
    await new Promise((r) => setTimeout(r, 50)); // registration (2 s virtual) completes
    const refused = await refusal(
      inTwin.send(
        new CreateDeploymentCommand({
          targetArn: TWIN,
          components: { 'com.test.accounts': { componentVersion: '1.0.0' } },
        }),
      ),
    );
    // Assess
    expect(identity.Account).toBe(TWIN_ACCOUNT);
    expect(identity.Arn).toBe(
      `arn:aws:sts::${TWIN_ACCOUNT}:assumed-role/edge-mlops-local-deployer/edge-mlops`,
    );
    expect(refused).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
    expect(refused.message).toContain('com.test.accounts');
  });

  it('the register function registers the component in the twin account through the deployer role, once', async () => {
    // Prepare: the inference component's register function, as the worker runs it.
    const own = twinAccount.credentialsOf('registerInferenceComponent');
    const plan = await samplePlan((c) => {
      c.modelGroups['defect-detector']!.twin.roleArn = DEPLOYER;
    });
    // The inference code artifact the recipe names (the operator uploads it).
    const operator = new S3Client({
      ...withCredentials({ accessKeyId: 'local', secretAccessKey: 'local' }),
      forcePathStyle: true,
    });
    await operator.send(new CreateBucketCommand({ Bucket: 'edge-mlops-local-code' }));
    await operator.send(
      new PutObjectCommand({
        Bucket: 'edge-mlops-local-code',
        Key: 'defect-detector/inference-1.4.0.zip',
        Body: 'inference code',
      }),
    );
    const deps = {
      greengrass: new GreengrassV2Client(withCredentials(own)),
      greengrassFor: (roleArn: string) =>
        new GreengrassV2Client({
          ...endpoint(),
          credentials: async () => {
            const { Credentials: c } = await new STSClient(withCredentials(own)).send(
              new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'edge-mlops' }),
            );
            return {
              accessKeyId: c!.AccessKeyId!,
              secretAccessKey: c!.SecretAccessKey!,
              sessionToken: c!.SessionToken!,
            };
          },
        }),
      logger: silentLogger(),
      arnContext: { partition: 'aws', region: 'us-east-1', accountId: '000000000000' },
      s3: new S3Client(withCredentials(own)),
    };
    // A new version is DEPLOYABLE after a short (virtual) while: retry NotReady as the ASL does.
    const register = async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await registerInferenceComponent({ plan }, deps);
        } catch (error) {
          if ((error as Error).name !== 'NotReady' || attempt > 40) throw error;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    };
    // Act
    const first = await register();
    const again = await register();
    // Assess
    const version = (account: string) =>
      `arn:aws:greengrass:us-east-1:${account}:components:com.example.defectdetector.inference:versions:1.4.0`;
    expect(first.accountArns).toEqual({
      '000000000000': version('000000000000'),
      [TWIN_ACCOUNT]: version(TWIN_ACCOUNT),
    });
    // The retry is absorbed by the same client token in each account: the same versions.
    expect(again.accountArns).toEqual(first.accountArns);
  });
});
