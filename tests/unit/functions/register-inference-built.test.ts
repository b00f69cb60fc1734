import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConflictException,
  CreateComponentVersionCommand,
  DescribeComponentCommand,
  GreengrassV2Client,
} from '@aws-sdk/client-greengrassv2';
import { GetObjectCommand, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { registerInferenceComponent } from '../../../functions/register-inference-component/register-inference-component';
import { recipeDigestOf } from '../../../functions/shared/greengrass/inference-artifact';
import { inferenceComponentRecipe } from '../../../functions/shared/greengrass/recipes';
import { RECIPE_HASH_TAG } from '../../../functions/shared/greengrass/register-component';
import { contentHash } from '../../../functions/shared/names';
import type { Plan } from '../../../functions/shared/plan';
import {
  type BuiltArchive,
  buildInferenceArchive,
} from '../../../functions/shared/stage-config/inference-source';
import type { Inference } from '../../../functions/shared/stage-config/schema';
import { samplePlan, silentLogger, TEST_BUCKET } from '../../helpers/fixtures';

/**
 * register-inference-component with an inference component built from components/inference:
 * the recipe names the content-addressed archive and its digest; the same content registers
 * once (idempotent), other content under the same version is a conflict (versions are
 * immutable), and nothing is registered before the archive is uploaded with those bytes.
 */
const greengrass = mockClient(GreengrassV2Client);
const s3 = mockClient(S3Client);
const deps = () => ({
  greengrass: new GreengrassV2Client({ region: 'us-east-1' }),
  greengrassFor: (roleArn: string): GreengrassV2Client => {
    throw new Error(`the sample plan deploys in one account, yet ${roleArn} was asked for`);
  },
  logger: silentLogger(),
  arnContext: { partition: 'aws', region: 'us-east-1', accountId: '000000000000' },
  s3: new S3Client({ region: 'us-east-1' }),
});
/** A GetObject body as the SDK gives it, reduced to what the function reads. */
const body = (bytes: Uint8Array) => ({ transformToByteArray: async () => bytes });
const conflict = () =>
  new ConflictException({
    message: 'Component already exists',
    $metadata: { httpStatusCode: 409 },
    resourceId: 'x',
    resourceType: 'y',
  });
const ARN =
  'arn:aws:greengrass:us-east-1:000000000000:components:com.example.defectdetector.inference:versions:1.4.0';

let archive: BuiltArchive;
let plan: Plan;
beforeAll(async () => {
  archive = buildInferenceArchive(join(__dirname, '../../../components/inference'));
  plan = await samplePlan((config) => {
    const profile = config.modelGroups['defect-detector']!;
    const { artifactUri: _given, ...inference } = profile.components.inference;
    profile.components.inference = {
      ...inference,
      source: 'components/inference',
      run: 'python3 -u {artifacts:decompressedPath}/inference/serve.py --model-dir {modelDir}',
      artifactSha256: archive.sha256,
    } as Inference;
  });
});
beforeEach(() => {
  greengrass.reset();
  s3.reset();
});

const uri = () =>
  `s3://${TEST_BUCKET}/local/defect-detector/inference/1.4.0/${archive.sha256.slice(0, 12)}/inference.zip`;

describe('registerInferenceComponent, built from components.inference.source', () => {
  it('plans the content-addressed archive and registers a recipe naming it and its digest', async () => {
    // Prepare
    s3.on(GetObjectCommand).resolves({ Body: body(archive.zip) } as never);
    greengrass
      .on(CreateComponentVersionCommand)
      .resolves({ arn: ARN, status: { componentState: 'DEPLOYABLE' } } as never);
    // Act
    const result = await registerInferenceComponent({ plan }, deps());
    // Assess
    expect(plan.inferenceComponent.artifactUri).toBe(uri());
    expect(s3).toHaveReceivedCommandWith(GetObjectCommand, {
      Bucket: TEST_BUCKET,
      Key: uri().slice(`s3://${TEST_BUCKET}/`.length),
    });
    const input = greengrass.commandCalls(CreateComponentVersionCommand)[0]!.args[0].input;
    const recipe = JSON.parse(new TextDecoder().decode(input.inlineRecipe));
    expect(recipe.Manifests[0].Artifacts).toEqual([
      {
        URI: uri(),
        Unarchive: 'ZIP',
        Digest: recipeDigestOf(archive.sha256),
        Algorithm: 'SHA-256',
      },
    ]);
    expect(recipe.Manifests[0].Lifecycle.Run).toContain(
      '{artifacts:decompressedPath}/inference/serve.py',
    );
    expect(result).toMatchObject({ arn: ARN, reused: false });
  });

  it('is idempotent for the same content: the version registered earlier is reused', async () => {
    // Prepare: an earlier run registered this very recipe.
    s3.on(GetObjectCommand).resolves({ Body: body(archive.zip) } as never);
    greengrass.on(CreateComponentVersionCommand).rejects(conflict());
    greengrass.on(DescribeComponentCommand).resolves({
      arn: ARN,
      tags: { [RECIPE_HASH_TAG]: contentHash(inferenceComponentRecipe(plan)) },
      status: { componentState: 'DEPLOYABLE' },
    } as never);
    // Act
    const result = await registerInferenceComponent({ plan }, deps());
    // Assess
    expect(result).toMatchObject({ arn: ARN, reused: true });
  });

  it('refuses other content under a version registered before: versions are immutable', async () => {
    // Prepare: the folder changed (another archive), the version did not.
    const copy = mkdtempSync(join(tmpdir(), 'edge-mlops-changed-'));
    cpSync(join(__dirname, '../../../components/inference'), copy, { recursive: true });
    writeFileSync(join(copy, 'serve.py'), `${readFileSync(join(copy, 'serve.py'), 'utf8')}# v2\n`);
    const other = buildInferenceArchive(copy);
    rmSync(copy, { recursive: true, force: true });
    const changed: Plan = {
      ...plan,
      inferenceComponent: {
        ...plan.inferenceComponent,
        artifactSha256: other.sha256,
        artifactUri: uri().replace(archive.sha256.slice(0, 12), other.sha256.slice(0, 12)),
      },
    };
    s3.on(GetObjectCommand).resolves({ Body: body(other.zip) } as never);
    greengrass.on(CreateComponentVersionCommand).rejects(conflict());
    greengrass.on(DescribeComponentCommand).resolves({
      arn: ARN,
      tags: { [RECIPE_HASH_TAG]: contentHash(inferenceComponentRecipe(plan)) },
      status: { componentState: 'DEPLOYABLE' },
    } as never);
    // Act & Assess
    await expect(registerInferenceComponent({ plan: changed }, deps())).rejects.toMatchObject({
      name: 'ComponentVersionConflict',
      message: expect.stringContaining(
        `components/inference now builds an archive with sha256 ${other.sha256}: bump components.inference.version whenever the folder changes`,
      ),
    });
  });

  it('waits (NotReady) while the archive is not uploaded, and registers nothing', async () => {
    // Prepare
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'no such key', $metadata: {} }));
    // Act & Assess
    await expect(registerInferenceComponent({ plan }, deps())).rejects.toMatchObject({
      name: 'NotReady',
      message: expect.stringContaining(
        `inference archive ${uri()} (built from components/inference) is not in the artifact bucket yet`,
      ),
    });
    expect(greengrass).not.toHaveReceivedCommand(CreateComponentVersionCommand);
  });

  it('refuses an archive whose bytes are not the ones resolved, and registers nothing', async () => {
    // Prepare
    s3.on(GetObjectCommand).resolves({ Body: body(new TextEncoder().encode('other')) } as never);
    // Act & Assess
    await expect(registerInferenceComponent({ plan }, deps())).rejects.toMatchObject({
      name: 'ComponentRegistrationFailed',
      message: expect.stringContaining(
        `but the resolved configuration built components/inference as sha256 ${archive.sha256}`,
      ),
    });
    expect(greengrass).not.toHaveReceivedCommand(CreateComponentVersionCommand);
  });
});
