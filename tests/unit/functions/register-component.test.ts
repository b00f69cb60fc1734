import {
  ConflictException,
  CreateComponentVersionCommand,
  DescribeComponentCommand,
  GetComponentCommand,
  GreengrassV2Client,
} from '@aws-sdk/client-greengrassv2';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { registerInferenceComponent } from '../../../functions/register-inference-component/register-inference-component';
import { registerModelComponent } from '../../../functions/register-model-component/register-model-component';
import {
  inferenceComponentRecipe,
  modelComponentRecipe,
} from '../../../functions/shared/greengrass/recipes';
import {
  RECIPE_HASH_TAG,
  registrationToken,
} from '../../../functions/shared/greengrass/register-component';
import { canonicalJson, contentHash } from '../../../functions/shared/names';
import type { Plan, TargetBuild } from '../../../functions/shared/plan';
import { samplePlan, silentLogger } from '../../helpers/fixtures';

const greengrass = mockClient(GreengrassV2Client);
const deps = () => ({
  greengrass: new GreengrassV2Client({ region: 'us-east-1' }),
  greengrassFor: (roleArn: string): GreengrassV2Client => {
    throw new Error(`the sample plan deploys in one account, yet ${roleArn} was asked for`);
  },
  logger: silentLogger(),
  arnContext: { partition: 'aws', region: 'us-east-1', accountId: '000000000000' },
  s3: new S3Client({ region: 'us-east-1' }),
});
const MODEL_ARN =
  'arn:aws:greengrass:us-east-1:000000000000:components:com.example.defectdetector.model:versions:1.0.7';
const conflict = () =>
  new ConflictException({
    message: 'Component already exists',
    $metadata: { httpStatusCode: 409 },
    resourceId: 'x',
    resourceType: 'y',
  });

let plan: Plan;
let builds: TargetBuild[];
beforeAll(async () => {
  plan = await samplePlan();
  builds = plan.targets.map((t) => ({
    target: t.name,
    compiledArtifactUri: `${t.outputLocation}model-${t.neo.targetDevice}.tar.gz`,
    modelComponent: t.modelComponent,
  }));
});
beforeEach(() => greengrass.reset());

describe('registerModelComponent', () => {
  it('creates the version from the inline recipe with a deterministic client token and its hash tag', async () => {
    // Prepare
    greengrass
      .on(CreateComponentVersionCommand)
      .resolves({ arn: MODEL_ARN, status: { componentState: 'DEPLOYABLE' } } as never);
    const recipe = modelComponentRecipe(plan, builds);
    const sha = contentHash(recipe);
    // Act
    const result = await registerModelComponent({ plan, builds }, deps());
    // Assess
    expect(result).toEqual({
      name: 'com.example.defectdetector.model',
      version: '1.0.7',
      arn: MODEL_ARN,
      recipeSha256: sha,
      reused: false,
      accountArns: { '000000000000': MODEL_ARN },
    });
    const input = greengrass.commandCalls(CreateComponentVersionCommand)[0]!.args[0].input;
    expect(new TextDecoder().decode(input.inlineRecipe)).toBe(canonicalJson(recipe));
    expect(input.clientToken).toBe(
      registrationToken('com.example.defectdetector.model', '1.0.7', sha),
    );
    expect(input.clientToken).toMatch(/^[a-zA-Z0-9-]{1,64}$/);
    expect(input.tags).toEqual({ [RECIPE_HASH_TAG]: sha, 'edge-mlops:managed': 'true' });
    expect(greengrass).not.toHaveReceivedCommand(DescribeComponentCommand);
  });

  it('reuses a version that exists with the same recipe (second call creates nothing new)', async () => {
    // Prepare
    const sha = contentHash(modelComponentRecipe(plan, builds));
    greengrass.on(CreateComponentVersionCommand).rejects(conflict());
    greengrass.on(DescribeComponentCommand).resolves({
      arn: MODEL_ARN,
      tags: { [RECIPE_HASH_TAG]: sha },
      status: { componentState: 'DEPLOYABLE' },
    } as never);
    // Act
    const result = await registerModelComponent({ plan, builds }, deps());
    // Assess
    expect(result).toMatchObject({ reused: true, arn: MODEL_ARN, recipeSha256: sha });
    expect(greengrass).toHaveReceivedCommandWith(DescribeComponentCommand, { arn: MODEL_ARN });
  });

  it('compares the stored recipe itself when the version carries no hash tag', async () => {
    // Prepare
    const recipe = modelComponentRecipe(plan, builds);
    greengrass.on(CreateComponentVersionCommand).rejects(conflict());
    greengrass
      .on(DescribeComponentCommand)
      .resolves({ arn: MODEL_ARN, tags: {}, status: { componentState: 'DEPLOYABLE' } } as never);
    greengrass.on(GetComponentCommand).resolves({
      recipe: new TextEncoder().encode(JSON.stringify(recipe, null, 2)),
      recipeOutputFormat: 'JSON',
    } as never);
    // Act
    const result = await registerModelComponent({ plan, builds }, deps());
    // Assess
    expect(result.reused).toBe(true);
    expect(greengrass).toHaveReceivedCommandWith(GetComponentCommand, {
      arn: MODEL_ARN,
      recipeOutputFormat: 'JSON',
    });
  });

  it('reuses an untagged version whose stored recipe differs only by the digests Greengrass computed', async () => {
    // Prepare: Greengrass adds Digest and Algorithm to every artifact of a stored recipe
    // (component recipe reference, "Artifacts": both are computed and replace any given value).
    const recipe = modelComponentRecipe(plan, builds);
    const stored = structuredClone(recipe) as { Manifests: { Artifacts?: object[] }[] };
    for (const manifest of stored.Manifests)
      manifest.Artifacts = manifest.Artifacts?.map((artifact) => ({
        ...artifact,
        Digest: 'q1w2e3r4t5y6u7i8o9p0q1w2e3r4t5y6u7i8o9p0q1w=',
        Algorithm: 'SHA-256',
      }));
    expect(stored.Manifests.some((m) => m.Artifacts?.length)).toBe(true);
    greengrass.on(CreateComponentVersionCommand).rejects(conflict());
    greengrass
      .on(DescribeComponentCommand)
      .resolves({ arn: MODEL_ARN, tags: {}, status: { componentState: 'DEPLOYABLE' } } as never);
    greengrass.on(GetComponentCommand).resolves({
      recipe: new TextEncoder().encode(JSON.stringify(stored)),
      recipeOutputFormat: 'JSON',
    } as never);
    // Act
    const result = await registerModelComponent({ plan, builds }, deps());
    // Assess
    expect(result.reused).toBe(true);
  });

  it('fails with ComponentVersionConflict naming both hashes when the version holds another recipe', async () => {
    // Prepare
    const sha = contentHash(modelComponentRecipe(plan, builds));
    greengrass.on(CreateComponentVersionCommand).rejects(conflict());
    greengrass.on(DescribeComponentCommand).resolves({
      arn: MODEL_ARN,
      tags: { [RECIPE_HASH_TAG]: 'f'.repeat(64) },
      status: { componentState: 'DEPLOYABLE' },
    } as never);
    // Act & Assess
    await expect(registerModelComponent({ plan, builds }, deps())).rejects.toMatchObject({
      name: 'ComponentVersionConflict',
      message: `component com.example.defectdetector.model version 1.0.7 already exists with recipe sha256 ${'f'.repeat(64)}, but this run's recipe has sha256 ${sha}; component versions are immutable, so bump the version`,
    });
  });

  it('throws NotReady (retried by the state machine) until the version is DEPLOYABLE', async () => {
    // Prepare
    greengrass
      .on(CreateComponentVersionCommand)
      .resolves({ arn: MODEL_ARN, status: { componentState: 'REQUESTED' } } as never);
    greengrass
      .on(DescribeComponentCommand)
      .resolves({ arn: MODEL_ARN, status: { componentState: 'INITIATED' } } as never);
    // Act & Assess
    await expect(registerModelComponent({ plan, builds }, deps())).rejects.toMatchObject({
      name: 'NotReady',
    });
  });

  it('returns once a created version turns DEPLOYABLE', async () => {
    // Prepare
    greengrass
      .on(CreateComponentVersionCommand)
      .resolves({ arn: MODEL_ARN, status: { componentState: 'REQUESTED' } } as never);
    greengrass
      .on(DescribeComponentCommand)
      .resolves({ arn: MODEL_ARN, status: { componentState: 'DEPLOYABLE' } } as never);
    // Act & Assess
    await expect(registerModelComponent({ plan, builds }, deps())).resolves.toMatchObject({
      reused: false,
    });
  });

  it("fails with Greengrass's artifact errors when the version FAILED", async () => {
    // Prepare
    greengrass
      .on(CreateComponentVersionCommand)
      .resolves({ arn: MODEL_ARN, status: { componentState: 'REQUESTED' } } as never);
    greengrass.on(DescribeComponentCommand).resolves({
      arn: MODEL_ARN,
      status: {
        componentState: 'FAILED',
        message: 'artifacts unreadable',
        errors: { 's3://art/x.tar.gz': 'Specified artifact resource cannot be accessed' },
      },
    } as never);
    // Act & Assess
    await expect(registerModelComponent({ plan, builds }, deps())).rejects.toMatchObject({
      name: 'ComponentRegistrationFailed',
      message:
        'component com.example.defectdetector.model version 1.0.7 FAILED: artifacts unreadable s3://art/x.tar.gz: Specified artifact resource cannot be accessed',
    });
  });

  it('throws TransientError on throttling', async () => {
    // Prepare
    greengrass.on(CreateComponentVersionCommand).rejects(
      Object.assign(new Error('slow'), {
        name: 'ThrottlingException',
        $metadata: { httpStatusCode: 429 },
      }),
    );
    // Act & Assess
    await expect(registerModelComponent({ plan, builds }, deps())).rejects.toMatchObject({
      name: 'TransientError',
    });
  });

  it('refuses builds without an S3 artifact before calling Greengrass', async () => {
    // Prepare
    const bad = builds.map((b) => ({ ...b, compiledArtifactUri: 'file:///tmp/x' }));
    // Act & Assess
    await expect(registerModelComponent({ plan, builds: bad }, deps())).rejects.toMatchObject({
      name: 'InvalidInput',
    });
    expect(greengrass).not.toHaveReceivedCommand(CreateComponentVersionCommand);
  });
});

describe('registerInferenceComponent', () => {
  it('registers the profile version of the inference code from its recipe', async () => {
    // Prepare
    const arn =
      'arn:aws:greengrass:us-east-1:000000000000:components:com.example.defectdetector.inference:versions:1.4.0';
    greengrass
      .on(CreateComponentVersionCommand)
      .resolves({ arn, status: { componentState: 'DEPLOYABLE' } } as never);
    // Act
    const result = await registerInferenceComponent({ plan }, deps());
    // Assess
    expect(result).toMatchObject({
      name: 'com.example.defectdetector.inference',
      version: '1.4.0',
      arn,
      reused: false,
    });
    const input = greengrass.commandCalls(CreateComponentVersionCommand)[0]!.args[0].input;
    expect(JSON.parse(new TextDecoder().decode(input.inlineRecipe))).toEqual(
      inferenceComponentRecipe(plan),
    );
  });

  it('names both recipes when the code changed without a version bump', async () => {
    // Prepare
    greengrass.on(CreateComponentVersionCommand).rejects(conflict());
    greengrass.on(DescribeComponentCommand).resolves({
      tags: { [RECIPE_HASH_TAG]: 'a'.repeat(64) },
      status: { componentState: 'DEPLOYABLE' },
    } as never);
    // Act & Assess
    await expect(registerInferenceComponent({ plan }, deps())).rejects.toMatchObject({
      name: 'ComponentVersionConflict',
      message: expect.stringMatching(
        /com\.example\.defectdetector\.inference version 1\.4\.0 already exists with recipe sha256 a{64}, but this run's recipe has sha256 [0-9a-f]{64}/,
      ),
    });
  });
});
