import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateComponentVersionCommand,
  CreateDeploymentCommand,
  type EffectiveDeployment,
  GetComponentCommand,
  GetCoreDeviceCommand,
  GreengrassV2Client,
  ListCoreDevicesCommand,
  ListDeploymentsCommand,
  ListEffectiveDeploymentsCommand,
  ListInstalledComponentsCommand,
} from '@aws-sdk/client-greengrassv2';
import { DescribeJobCommand, IoTClient, ListJobExecutionsForJobCommand } from '@aws-sdk/client-iot';
import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Emulator } from '../../emulator/emulator';
import { TOKEN_EXCHANGE_ROLE_ACCESS } from '../../emulator/iam/artifact-reads';
import { buildInferenceArchive } from '../../functions/shared/stage-config/inference-source';
import { loadStageConfig } from '../../functions/shared/stage-config/load';
import { runSimulation, startLocalEmulator } from '../helpers/local-mode';

/**
 * Accounts, as on AWS: the twin lives in a pre-production account and the fleets in a
 * production account (each reached through its deployer role). IoT (jobs, things, thing
 * groups, MQTT publishes) belongs to one account, and a device downloads its artifacts with
 * its own account's token exchange role, which a bucket of another account must allow too.
 */
const ROOT = join(__dirname, '../..');
const PIPELINE = '000000000000';
const TWIN = '111111111111';
const FLEETS = '222222222222';
const CODE_BUCKET = 'edge-mlops-local-code';

/**
 * config/local.yml with its twin in account TWIN and its fleets in account FLEETS; with
 * `builtInference`, its inference component built from components/inference (the folder is
 * found from the working directory, the project root, since the copy lives in a temp dir).
 */
const crossAccountConfig = (options: { builtInference?: boolean } = {}) => {
  const role = (account: string) => `arn:aws:iam::${account}:role/edge-mlops-local-deployer`;
  const local = readFileSync(join(ROOT, 'config/local.yml'), 'utf8');
  const text = (
    options.builtInference
      ? local
          .replace(
            'artifactUri: s3://edge-mlops-local-code/defect-detector/inference-1.4.0.zip',
            'source: components/inference',
          )
          .replace('inference-1.4.0/serve.py', 'inference/serve.py')
      : local
  )
    .replace(
      'targetArn: arn:aws:iot:us-east-1:000000000000:thinggroup/defect-detector-twin',
      `targetArn: arn:aws:iot:us-east-1:${TWIN}:thinggroup/defect-detector-twin\n      roleArn: ${role(TWIN)}`,
    )
    .replaceAll(
      'arn:aws:iot:us-east-1:000000000000:thinggroup/',
      `arn:aws:iot:us-east-1:${FLEETS}:thinggroup/`,
    )
    .replace(
      /( {6}- name: [a-z-]+\n {8}platform: [a-z0-9-]+\n)/g,
      `$1        roleArn: ${role(FLEETS)}\n`,
    );
  const file = join(mkdtempSync(join(tmpdir(), 'edge-mlops-accounts-')), 'local.yml');
  writeFileSync(file, text);
  return file;
};

const start = (file: string, options: Parameters<typeof startLocalEmulator>[0] = {}) =>
  startLocalEmulator({
    config: loadStageConfig(file),
    configFile: file,
    fleetSize: 2,
    ...options,
  });

/** SDK options of an administrator of `account` (the emulator's `local-<account>` keys). */
const adminOf = (emulator: Emulator, account: string) => ({
  endpoint: emulator.url,
  region: 'us-east-1',
  credentials: {
    accessKeyId: account === PIPELINE ? 'local' : `local-${account}`,
    secretAccessKey: 'local',
  },
  maxAttempts: 1,
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
const TWIN_GROUP = `arn:aws:iot:us-east-1:${TWIN}:thinggroup/defect-detector-twin`;

describe('accounts: a release to a twin and fleets in other accounts', () => {
  let emulator: Emulator;
  let file: string;
  beforeAll(async () => {
    // The inference component is built from components/inference (the same folder, zipped).
    file = crossAccountConfig({ builtInference: true });
    emulator = await start(file);
  }, 60_000);
  afterAll(() => emulator.close());

  /** The IoT job of the twin's latest deployment (read in the twin account). */
  const twinJob = async () => {
    const gg = new GreengrassV2Client(adminOf(emulator, TWIN));
    const { deployments } = await gg.send(new ListDeploymentsCommand({ targetArn: TWIN_GROUP }));
    const d = deployments!.find((x) => x.deploymentName !== 'plant baseline')!;
    return `${d.deploymentId}-job`;
  };

  it('CrossAccountRelease: succeeds through the deployer roles, devices reading artifacts across accounts', async () => {
    // Act
    const s = await runSimulation({ approve: true, config: file, endpoint: emulator.url });
    // Assess
    expect(s.status).toBe('SUCCEEDED');
    expect(s.accessDenied).toEqual([]);
    expect(s.statesVisited).toContain('Complete Fleet Rollout');
    expect(s.awsCalls['sts.AssumeRole']).toBeGreaterThan(0);
  }, 300_000);

  it('BuiltInference: the released inference component is the archive of components/inference, on the twin and every fleet device', async () => {
    // Prepare: what packaging built, and where the start uploaded it.
    const archive = buildInferenceArchive(join(ROOT, 'components/inference'));
    const bucket = emulator.resources.ArtifactBucket!.ref;
    const key = `local/defect-detector/inference/1.4.0/${archive.sha256.slice(0, 12)}/inference.zip`;
    const name = 'com.example.defectdetector.inference';
    // Act: the version registered in the twin account, and the object it names.
    const { recipe } = await new GreengrassV2Client(adminOf(emulator, TWIN)).send(
      new GetComponentCommand({
        arn: `arn:aws:greengrass:us-east-1:${TWIN}:components:${name}:versions:1.4.0`,
      }),
    );
    const object = await new S3Client({ ...adminOf(emulator, PIPELINE), forcePathStyle: true })
      .send(new GetObjectCommand({ Bucket: bucket, Key: key }))
      .then((o) => o.Body!.transformToByteArray());
    const installed = async (account: string, thing: string) =>
      (
        await new GreengrassV2Client(adminOf(emulator, account)).send(
          new ListInstalledComponentsCommand({ coreDeviceThingName: thing }),
        )
      ).installedComponents!.find((c) => c.componentName === name)?.componentVersion;
    // Assess: the recipe names the content-addressed archive and its digest…
    const manifest = JSON.parse(Buffer.from(recipe!).toString('utf8')).Manifests[0];
    expect(manifest.Artifacts).toEqual([
      {
        URI: `s3://${bucket}/${key}`,
        Unarchive: 'ZIP',
        Digest: Buffer.from(archive.sha256, 'hex').toString('base64'),
        Algorithm: 'SHA-256',
      },
    ]);
    expect(manifest.Lifecycle.Run).toContain('{artifacts:decompressedPath}/inference/serve.py');
    // …whose bytes are the folder's archive, and devices in both accounts run it.
    expect(Buffer.from(object).equals(Buffer.from(archive.zip))).toBe(true);
    expect(await installed(TWIN, 'defect-detector-twin-01')).toBe('1.4.0');
    expect(await installed(FLEETS, 'factory-jetson-main-01')).toBe('1.4.0');
    expect(await installed(FLEETS, 'field-rpi-02')).toBe('1.4.0');
  });

  it('IoT jobs exist only in their account: DescribeJob from the pipeline account is not found', async () => {
    // Prepare
    const jobId = await twinJob();
    const inTwin = new IoTClient(adminOf(emulator, TWIN));
    const inPipeline = new IoTClient(adminOf(emulator, PIPELINE));
    // Act
    const { job } = await inTwin.send(new DescribeJobCommand({ jobId }));
    const notFound = await refusal(inPipeline.send(new DescribeJobCommand({ jobId })));
    const noExecutions = await refusal(
      inPipeline.send(new ListJobExecutionsForJobCommand({ jobId })),
    );
    // Assess
    expect(job?.jobArn).toBe(`arn:aws:iot:us-east-1:${TWIN}:job/${jobId}`);
    expect(job?.jobProcessDetails?.numberOfSucceededThings).toBe(1);
    expect(notFound).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
    expect(noExecutions).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
  });

  it('a function calling IoT in another account without AssumeRole is refused', async () => {
    // Prepare: check-deployment's own credentials (pipeline account), no deployer role.
    const jobId = await twinJob();
    const own = new IoTClient({
      ...adminOf(emulator, PIPELINE),
      credentials: emulator.credentialsOf('checkDeployment'),
    });
    // Act
    const refused = await refusal(own.send(new DescribeJobCommand({ jobId })));
    // Assess: its role names the twin account's jobs, and the call acts in its own account.
    expect(refused).toMatchObject({ name: 'AccessDeniedException', status: 403 });
    expect(refused.message).toContain(
      `iot:DescribeJob on resource: arn:aws:iot:us-east-1:${PIPELINE}:job/${jobId}`,
    );
  });

  it('core devices are listed only in their own account', async () => {
    // Act
    const list = async (account: string) =>
      (
        await new GreengrassV2Client(adminOf(emulator, account)).send(
          new ListCoreDevicesCommand({}),
        )
      ).coreDevices!.map((d) => d.coreDeviceThingName);
    const notFound = await refusal(
      new GreengrassV2Client(adminOf(emulator, PIPELINE)).send(
        new GetCoreDeviceCommand({ coreDeviceThingName: 'defect-detector-twin-01' }),
      ),
    );
    // Assess
    expect(await list(PIPELINE)).toEqual([]);
    expect(await list(TWIN)).toEqual(['defect-detector-twin-01']);
    expect((await list(FLEETS)).sort()).toEqual([
      'factory-jetson-canary-01',
      'factory-jetson-canary-02',
      'factory-jetson-main-01',
      'factory-jetson-main-02',
      'field-rpi-01',
      'field-rpi-02',
    ]);
    expect(notFound).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
  });

  it("a smoke request published in the pipeline account never reaches the twin account's device", async () => {
    // Prepare: the twin device runs the inference component since the release.
    const table = emulator.resources.StateTable!.ref;
    const doc = DynamoDBDocumentClient.from(new DynamoDBClient(adminOf(emulator, PIPELINE)));
    const publish = (account: string, runId: string) =>
      new IoTDataPlaneClient(adminOf(emulator, account)).send(
        new PublishCommand({
          topic: `edge-mlops/smoke/request/defect-detector-twin-01/${runId}`,
          payload: new TextEncoder().encode(JSON.stringify({ requestId: 'scratch' })),
        }),
      );
    const answer = (runId: string) =>
      doc.send(
        new GetCommand({
          TableName: table,
          Key: { pk: `smoke#${runId}`, sk: 'defect-detector-twin-01#scratch' },
        }),
      );
    // Act
    await publish(PIPELINE, 'from-pipeline');
    await publish(TWIN, 'from-twin');
    await new Promise((r) => setTimeout(r, 1_500)); // answers take 40–130 virtual ms
    // Assess
    expect((await answer('from-twin')).Item).toMatchObject({ output: 'defect' });
    expect((await answer('from-pipeline')).Item).toBeUndefined();
  });

  /**
   * A component version of the twin account whose archive (in the pipeline's artifact bucket,
   * where the bucket policy lets the twin account read) is then changed by `after`, and the
   * effective deployment of that version on the twin device, which never had it.
   */
  const deployThenFind = async (
    version: string,
    after: (s3: S3Client, key: string) => Promise<unknown>,
  ) => {
    const bucket = emulator.resources.ArtifactBucket!.ref;
    const key = `local/defect-detector/inference/${version}/test/inference.zip`;
    const s3 = new S3Client({ ...adminOf(emulator, PIPELINE), forcePathStyle: true });
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'print("v")\n' }));
    const gg = new GreengrassV2Client(adminOf(emulator, TWIN));
    const name = 'com.test.unfetchable';
    await gg.send(
      new CreateComponentVersionCommand({
        inlineRecipe: new TextEncoder().encode(
          JSON.stringify({
            RecipeFormatVersion: '2020-01-25',
            ComponentName: name,
            ComponentVersion: version,
            Manifests: [
              { Lifecycle: { Run: 'true' }, Artifacts: [{ URI: `s3://${bucket}/${key}` }] },
            ],
          }),
        ),
      }),
    );
    await after(s3, key);
    await new Promise((r) => setTimeout(r, 50)); // DEPLOYABLE after 2 virtual seconds
    const deploymentName = `unfetchable ${version}`;
    await gg.send(
      new CreateDeploymentCommand({
        targetArn: TWIN_GROUP,
        deploymentName,
        components: { [name]: { componentVersion: version } },
      }),
    );
    let found: EffectiveDeployment | undefined;
    for (
      let i = 0;
      i < 100 && !['FAILED', 'SUCCEEDED'].includes(found?.coreDeviceExecutionStatus ?? '');
      i++
    ) {
      await new Promise((r) => setTimeout(r, 100));
      const { effectiveDeployments } = await gg.send(
        new ListEffectiveDeploymentsCommand({ coreDeviceThingName: 'defect-detector-twin-01' }),
      );
      found = effectiveDeployments!.find((d) => d.deploymentName === deploymentName);
    }
    return { found, uri: `s3://${bucket}/${key}` };
  };

  it('a device fails a deployment whose artifact is gone, as the nucleus does (HeadObject 403 without s3:ListBucket)', async () => {
    // Act
    const { found, uri } = await deployThenFind('9.9.1', (s3, Key) =>
      s3.send(new DeleteObjectCommand({ Bucket: emulator.resources.ArtifactBucket!.ref, Key })),
    );
    // Assess
    expect(found).toMatchObject({
      coreDeviceExecutionStatus: 'FAILED',
      statusDetails: {
        errorStack: [
          'DEPLOYMENT_FAILURE',
          'ARTIFACT_DOWNLOAD_ERROR',
          'S3_ACCESS_DENIED',
          'S3_HEAD_OBJECT_ACCESS_DENIED',
        ],
      },
    });
    expect(found!.reason).toContain(uri);
    expect(found!.reason).toContain('the object does not exist');
  });

  it('a device fails a deployment whose artifact changed after the version was created (ARTIFACT_CHECKSUM_MISMATCH)', async () => {
    // Act
    const { found, uri } = await deployThenFind('9.9.2', (s3, Key) =>
      s3.send(
        new PutObjectCommand({
          Bucket: emulator.resources.ArtifactBucket!.ref,
          Key,
          Body: 'print("other")\n',
        }),
      ),
    );
    // Assess
    expect(found).toMatchObject({
      coreDeviceExecutionStatus: 'FAILED',
      statusDetails: {
        errorStack: ['DEPLOYMENT_FAILURE', 'ARTIFACT_DOWNLOAD_ERROR', 'ARTIFACT_CHECKSUM_MISMATCH'],
        errorTypes: ['COMPONENT_RECIPE_ERROR'],
      },
    });
    expect(found!.reason).toContain(uri);
  });
});

describe('accounts: a device downloads artifacts only if its account may read them', () => {
  let emulator: Emulator;
  let file: string;
  beforeAll(async () => {
    file = crossAccountConfig();
    // The inference code bucket's owner granted the fleet account and forgot the twin's.
    emulator = await start(file, {
      artifactAccess: {
        bucketPolicies: {
          [CODE_BUCKET]: [
            {
              Effect: 'Allow',
              Principal: { AWS: [`arn:aws:iam::${FLEETS}:root`] },
              Action: ['s3:GetBucketLocation', 's3:GetObject'],
              Resource: [`arn:aws:s3:::${CODE_BUCKET}`, `arn:aws:s3:::${CODE_BUCKET}/*`],
            },
          ],
        },
      },
    });
  }, 60_000);
  afterAll(() => emulator.close());

  it('TwinArtifactUnreadable: the twin device fails the deployment and the release stops before approval', async () => {
    // Act
    const s = await runSimulation({ approve: true, config: file, endpoint: emulator.url });
    // Assess: the pipeline reports the failed twin deployment; no fleet was touched.
    expect(s.status).toBe('FAILED');
    expect(s.error).toBe('TwinTestsFailed');
    expect(s.cause).toContain('deployment-health: deployment FAILED: 1 of 1 devices failed');
    expect(s.statesVisited).not.toContain('Request Approval');
    expect(s.resourcesCreated.deployments.map((d) => d.target)).toEqual([TWIN_GROUP]);
    // …and the device says why, in its effective deployment (read in the twin account).
    const { effectiveDeployments } = await new GreengrassV2Client(adminOf(emulator, TWIN)).send(
      new ListEffectiveDeploymentsCommand({ coreDeviceThingName: 'defect-detector-twin-01' }),
    );
    const [latest] = effectiveDeployments!;
    expect(latest).toMatchObject({
      targetArn: TWIN_GROUP,
      coreDeviceExecutionStatus: 'FAILED',
      statusDetails: {
        errorStack: [
          'DEPLOYMENT_FAILURE',
          'ARTIFACT_DOWNLOAD_ERROR',
          'S3_ACCESS_DENIED',
          'S3_GET_BUCKET_LOCATION_ACCESS_DENIED',
        ],
        errorTypes: ['PERMISSION_ERROR'],
      },
    });
    expect(latest!.reason).toContain(`s3://${CODE_BUCKET}/defect-detector/inference-1.4.0.zip`);
    expect(latest!.reason).toContain(
      `no resource-based policy of bucket ${CODE_BUCKET} (account ${PIPELINE}) allows the s3:GetBucketLocation action`,
    );
  }, 300_000);
});

describe('accounts: a fleet account whose token exchange role cannot read the artifacts', () => {
  let emulator: Emulator;
  let file: string;
  beforeAll(async () => {
    file = crossAccountConfig();
    // The fleet account's operator installed Greengrass and never added the S3 grant.
    emulator = await start(file, {
      artifactAccess: { tokenExchangeStatements: { [FLEETS]: [TOKEN_EXCHANGE_ROLE_ACCESS] } },
    });
  }, 60_000);
  afterAll(() => emulator.close());

  it('FleetArtifactUnreadable: every canary device fails, the wave aborts and the fleet is rolled back', async () => {
    // Act
    const s = await runSimulation({ approve: true, config: file, endpoint: emulator.url });
    // Assess: the twin (its own account, granted) passed; production stopped at the canary.
    expect(s.status).toBe('FAILED');
    expect(s.statesVisited).toEqual(
      expect.arrayContaining(['Request Approval', 'Roll Back Fleets']),
    );
    const canary = `arn:aws:iot:us-east-1:${FLEETS}:thinggroup/factory-jetson-canary`;
    const iot = new IoTClient(adminOf(emulator, FLEETS));
    const gg = new GreengrassV2Client(adminOf(emulator, FLEETS));
    const { deployments } = await gg.send(
      new ListDeploymentsCommand({ targetArn: canary, historyFilter: 'ALL' }),
    );
    const release = deployments!.find(
      (d) => d.deploymentName === 'edge-mlops defect-detector v7 factory-jetson/canary',
    )!;
    const { job } = await iot.send(
      new DescribeJobCommand({ jobId: `${release.deploymentId}-job` }),
    );
    expect(job?.jobProcessDetails?.numberOfFailedThings).toBeGreaterThan(0);
    expect(job?.jobProcessDetails?.numberOfSucceededThings).toBe(0);
    const { effectiveDeployments } = await gg.send(
      new ListEffectiveDeploymentsCommand({ coreDeviceThingName: 'factory-jetson-canary-01' }),
    );
    const failed = effectiveDeployments!.find((d) => d.deploymentId === release.deploymentId);
    expect(failed?.statusDetails?.errorStack?.at(-1)).toBe('S3_HEAD_OBJECT_ACCESS_DENIED');
    expect(failed?.reason).toContain(
      `no identity-based policy of arn:aws:iam::${FLEETS}:role/GreengrassV2TokenExchangeRole allows the s3:GetObject action`,
    );
  }, 300_000);
});
