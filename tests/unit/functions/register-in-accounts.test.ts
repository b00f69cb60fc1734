import {
  ConflictException,
  CreateComponentVersionCommand,
  DescribeComponentCommand,
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
import { contentHash } from '../../../functions/shared/names';
import type { Plan, TargetBuild } from '../../../functions/shared/plan';
import { samplePlan, silentLogger } from '../../helpers/fixtures';

/** The seed's layout: pipeline in 000…, twin in pre-production 111…, fleets in production 222…. */
const TWIN_ROLE = 'arn:aws:iam::111111111111:role/edge-mlops-local-deployer';
const FLEET_ROLE = 'arn:aws:iam::222222222222:role/edge-mlops-local-deployer';
const versionArn = (account: string, name: string, version: string) =>
  `arn:aws:greengrass:us-east-1:${account}:components:${name}:versions:${version}`;
const conflict = () =>
  new ConflictException({
    message: 'Component already exists',
    $metadata: { httpStatusCode: 409 },
    resourceId: 'x',
    resourceType: 'y',
  });

// One client (and one mock) per account: the assumed roles' clients are distinct instances.
const clients = {
  '000000000000': new GreengrassV2Client({ region: 'us-east-1' }),
  '111111111111': new GreengrassV2Client({ region: 'us-east-1' }),
  '222222222222': new GreengrassV2Client({ region: 'us-east-1' }),
};
const mocks = {
  '000000000000': mockClient(clients['000000000000']),
  '111111111111': mockClient(clients['111111111111']),
  '222222222222': mockClient(clients['222222222222']),
};
const assumed: string[] = [];
const deps = () => ({
  greengrass: clients['000000000000'],
  greengrassFor: (roleArn: string) => {
    assumed.push(roleArn);
    return clients[roleArn.split(':')[4] as keyof typeof clients];
  },
  logger: silentLogger(),
  arnContext: { partition: 'aws', region: 'us-east-1', accountId: '000000000000' },
  s3: new S3Client({ region: 'us-east-1' }),
});

let plan: Plan;
let builds: TargetBuild[];
beforeAll(async () => {
  const base = await samplePlan();
  plan = {
    ...base,
    twin: { ...base.twin, roleArn: TWIN_ROLE },
    // Two fleets in production through the same account: one registration there.
    fleets: [
      { ...base.fleets[0]!, roleArn: FLEET_ROLE },
      { ...base.fleets[0]!, name: 'second', roleArn: FLEET_ROLE },
    ],
  };
  builds = plan.targets.map((t) => ({
    target: t.name,
    compiledArtifactUri: `${t.outputLocation}model-${t.neo.targetDevice}.tar.gz`,
    modelComponent: t.modelComponent,
  }));
});
beforeEach(() => {
  for (const mock of Object.values(mocks)) mock.reset();
  assumed.length = 0;
});

const created = (account: string, name: string, version: string) => ({
  arn: versionArn(account, name, version),
  status: { componentState: 'DEPLOYABLE' },
});

describe('component registration in every deploying account', () => {
  it('registers the same recipe in the pipeline, twin and fleet accounts with the same client token', async () => {
    // Prepare
    const { name, version } = plan.modelComponent;
    for (const [account, mock] of Object.entries(mocks))
      mock.on(CreateComponentVersionCommand).resolves(created(account, name, version) as never);
    const sha = contentHash(modelComponentRecipe(plan, builds));
    // Act
    const result = await registerModelComponent({ plan, builds }, deps());
    // Assess
    expect(result).toMatchObject({
      name,
      version,
      arn: versionArn('000000000000', name, version),
      reused: false,
      accountArns: {
        '000000000000': versionArn('000000000000', name, version),
        '111111111111': versionArn('111111111111', name, version),
        '222222222222': versionArn('222222222222', name, version),
      },
    });
    expect(assumed).toEqual([TWIN_ROLE, FLEET_ROLE]);
    for (const mock of Object.values(mocks)) {
      expect(mock).toHaveReceivedCommandTimes(CreateComponentVersionCommand, 1);
      expect(mock).toHaveReceivedCommandWith(CreateComponentVersionCommand, {
        clientToken: registrationToken(name, version, sha),
        tags: { [RECIPE_HASH_TAG]: sha, 'edge-mlops:managed': 'true' },
      });
    }
  });

  it('reuses per account: a retry after a partial run creates only what is missing', async () => {
    // Prepare: the pipeline and twin accounts hold the version from the first attempt.
    const { name, version } = plan.inferenceComponent;
    const sha = contentHash(inferenceComponentRecipe(plan));
    for (const account of ['000000000000', '111111111111'] as const) {
      mocks[account].on(CreateComponentVersionCommand).rejects(conflict());
      mocks[account].on(DescribeComponentCommand).resolves({
        arn: versionArn(account, name, version),
        tags: { [RECIPE_HASH_TAG]: sha },
        status: { componentState: 'DEPLOYABLE' },
      } as never);
    }
    mocks['222222222222']
      .on(CreateComponentVersionCommand)
      .resolves(created('222222222222', name, version) as never);
    // Act
    const result = await registerInferenceComponent({ plan }, deps());
    // Assess
    expect(result.reused).toBe(true);
    expect(result.accountArns['222222222222']).toBe(versionArn('222222222222', name, version));
    expect(mocks['111111111111']).toHaveReceivedCommandWith(DescribeComponentCommand, {
      arn: versionArn('111111111111', name, version),
    });
    expect(mocks['222222222222']).not.toHaveReceivedCommand(DescribeComponentCommand);
  });

  it('is a ComponentVersionConflict naming the account when another account holds a different recipe', async () => {
    // Prepare
    const { name, version } = plan.modelComponent;
    for (const account of ['000000000000', '111111111111'] as const)
      mocks[account]
        .on(CreateComponentVersionCommand)
        .resolves(created(account, name, version) as never);
    mocks['222222222222'].on(CreateComponentVersionCommand).rejects(conflict());
    mocks['222222222222'].on(DescribeComponentCommand).resolves({
      tags: { [RECIPE_HASH_TAG]: 'b'.repeat(64) },
      status: { componentState: 'DEPLOYABLE' },
    } as never);
    // Act & Assess
    await expect(registerModelComponent({ plan, builds }, deps())).rejects.toMatchObject({
      name: 'ComponentVersionConflict',
      message: expect.stringMatching(
        new RegExp(
          `^account 222222222222 \\(${FLEET_ROLE.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\): component ${name.replace(/\./g, '\\.')} version ${version.replace(/\./g, '\\.')} already exists with recipe sha256 b{64}`,
        ),
      ),
    });
  });

  it('registers only in the pipeline account when no target names a role in another account', async () => {
    // Prepare: a role in the pipeline's own account deploys from the same registry.
    const own = {
      ...plan,
      twin: { ...plan.twin, roleArn: 'arn:aws:iam::000000000000:role/edge-mlops-local-deployer' },
      fleets: plan.fleets.map((f) => ({ ...f, roleArn: undefined })),
    };
    const { name, version } = own.inferenceComponent;
    mocks['000000000000']
      .on(CreateComponentVersionCommand)
      .resolves(created('000000000000', name, version) as never);
    // Act
    const result = await registerInferenceComponent({ plan: own }, deps());
    // Assess
    expect(result.accountArns).toEqual({
      '000000000000': versionArn('000000000000', name, version),
    });
    expect(assumed).toEqual([]);
  });
});
