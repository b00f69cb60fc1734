import {
  inferenceComponentRecipe,
  modelComponentRecipe,
  unpackScript,
} from '../../../functions/shared/greengrass/recipes';
import type { Plan, TargetBuild } from '../../../functions/shared/plan';
import { samplePlan } from '../../helpers/fixtures';

let plan: Plan;
const builds = (): TargetBuild[] => [
  {
    target: 'rpi4',
    compiledArtifactUri: 's3://art/local/defect-detector/7/rpi4/compiled/model-rasp4b.tar.gz',
    modelComponent: { name: 'com.example.defectdetector.model', version: '1.0.7' },
  },
  {
    target: 'jetson-xavier',
    compiledArtifactUri:
      's3://art/local/defect-detector/7/jetson-xavier/compiled/model-jetson_xavier.tar.gz',
    modelComponent: { name: 'com.example.defectdetector.model', version: '1.0.7' },
  },
];
beforeAll(async () => {
  plan = await samplePlan();
});

describe('modelComponentRecipe', () => {
  it('has one manifest per target platform, in plan order, each with its own Neo artifact', () => {
    // Act
    const recipe = modelComponentRecipe(plan, builds());
    // Assess
    expect(recipe).toMatchObject({
      RecipeFormatVersion: '2020-01-25',
      ComponentName: 'com.example.defectdetector.model',
      ComponentVersion: '1.0.7',
    });
    expect(recipe.Manifests.map((m) => [m.Name, m.Platform, m.Artifacts])).toEqual([
      [
        'jetson-xavier',
        { os: 'linux', architecture: 'aarch64' },
        [
          {
            URI: 's3://art/local/defect-detector/7/jetson-xavier/compiled/model-jetson_xavier.tar.gz',
            Unarchive: 'NONE',
          },
        ],
      ],
      [
        'rpi4',
        { os: 'linux', architecture: 'arm' },
        [
          {
            URI: 's3://art/local/defect-detector/7/rpi4/compiled/model-rasp4b.tar.gz',
            Unarchive: 'NONE',
          },
        ],
      ],
    ]);
  });

  it('puts the most specific platform first, since a device uses the first manifest it matches', () => {
    // Prepare: a generic aarch64 build listed before a GPU build for some aarch64 devices.
    const gpu = {
      ...plan.targets[0]!,
      name: 'jetson-gpu',
      greengrassPlatform: { os: 'linux', architecture: 'aarch64', 'com.example.gpu': 'nvidia' },
    } as Plan['targets'][number];
    const generic = {
      ...plan.targets[0]!,
      name: 'arm64-cpu',
      greengrassPlatform: { os: 'linux', architecture: 'aarch64' },
    } as Plan['targets'][number];
    const wide = {
      ...plan.targets[1]!,
      name: 'any-linux',
      greengrassPlatform: { os: 'linux', architecture: '*' },
    } as Plan['targets'][number];
    const build = (target: string) => ({
      target,
      compiledArtifactUri: `s3://art/${target}/model.tar.gz`,
      modelComponent: { name: 'com.example.defectdetector.model', version: '1.0.7' },
    });
    // Act
    const recipe = modelComponentRecipe({ ...plan, targets: [wide, generic, gpu] }, [
      build('any-linux'),
      build('arm64-cpu'),
      build('jetson-gpu'),
    ]);
    // Assess
    expect(recipe.Manifests.map((m) => m.Name)).toEqual(['jetson-gpu', 'arm64-cpu', 'any-linux']);
  });

  it('unpacks the tar.gz in Install (Greengrass only unarchives ZIP), skipping when already unpacked', () => {
    // Act
    const recipe = modelComponentRecipe(plan, builds());
    const install = recipe.Manifests[0]!.Lifecycle.Install as { Script: string; Timeout: number };
    // Assess
    expect(install.Script).toBe(unpackScript('model-jetson_xavier.tar.gz', '1.0.7'));
    expect(install.Script).toContain(
      'tar -xzf "{artifacts:path}/model-jetson_xavier.tar.gz" -C {work:path}/model.partial',
    );
    expect(install.Script).toMatch(
      /cat \{work:path\}\/model\/\.edge-mlops-version .*= "1\.0\.7" \]; then exit 0/,
    );
    expect(install.Script.indexOf('mv {work:path}/model.partial')).toBeGreaterThan(
      install.Script.indexOf('tar -xzf'),
    );
    expect(recipe.Manifests[0]!.Lifecycle.Run).toBeUndefined();
  });

  it('is a pure function: the same plan and builds give an equal recipe', () => {
    // Act & Assess
    expect(modelComponentRecipe(plan, builds())).toEqual(
      modelComponentRecipe(plan, [...builds()].reverse()),
    );
  });

  it('refuses to build a recipe when a target has no compiled build', () => {
    // Act & Assess
    expect(() => modelComponentRecipe(plan, builds().slice(0, 1))).toThrow(
      'no compiled build for target jetson-xavier',
    );
  });
});

describe('inferenceComponentRecipe', () => {
  it('depends on the model component within its major version and points the run script at the model', () => {
    // Act
    const recipe = inferenceComponentRecipe(plan);
    // Assess
    expect(recipe.ComponentName).toBe('com.example.defectdetector.inference');
    expect(recipe.ComponentVersion).toBe('1.4.0');
    expect(recipe.ComponentDependencies).toEqual({
      'com.example.defectdetector.model': {
        VersionRequirement: '>=1.0.0 <2.0.0',
        DependencyType: 'HARD',
      },
      // AWS credentials for capture and sample images; the metrics' way to CloudWatch
      'aws.greengrass.TokenExchangeService': {
        VersionRequirement: '>=2.0.0 <3.0.0',
        DependencyType: 'HARD',
      },
      // SOFT: a restart of the metrics component does not restart inference
      'aws.greengrass.Cloudwatch': {
        VersionRequirement: '>=3.0.0 <4.0.0',
        DependencyType: 'SOFT',
      },
    });
    expect(recipe.Manifests[0]!.Lifecycle.Run).toBe(
      'python3 -u {artifacts:decompressedPath}/inference-1.4.0/serve.py --model-dir {com.example.defectdetector.model:work:path}/model',
    );
    expect(recipe.Manifests[0]!.Artifacts).toEqual([
      { URI: 's3://edge-mlops-local-code/defect-detector/inference-1.4.0.zip', Unarchive: 'ZIP' },
    ]);
    expect(recipe.ComponentConfiguration?.DefaultConfiguration).toMatchObject({
      topicPrefix: 'edge-mlops/inference',
    });
  });

  it('does not change with the model version, so one code version serves every model version', async () => {
    // Prepare
    const later = {
      ...plan,
      modelPackageVersion: 8,
      modelComponent: { ...plan.modelComponent, version: '1.0.8' },
    };
    // Act & Assess
    expect(inferenceComponentRecipe(later)).toEqual(inferenceComponentRecipe(plan));
  });

  it('grants the IPC permissions the inference smoke test needs', () => {
    // Act
    const config = inferenceComponentRecipe(plan).ComponentConfiguration?.DefaultConfiguration as {
      accessControl: Record<string, Record<string, { operations: string[]; resources: string[] }>>;
    };
    // Assess
    const policy =
      config.accessControl['aws.greengrass.ipc.mqttproxy']![
        'com.example.defectdetector.inference:smoke-test:1'
      ]!;
    expect(policy.operations).toEqual([
      'aws.greengrass#SubscribeToIoTCore',
      'aws.greengrass#PublishToIoTCore',
    ]);
    expect(policy.resources).toEqual([
      'edge-mlops/smoke/request/{iot:thingName}/+',
      'edge-mlops/smoke/response/+',
    ]);
  });

  it('lets the component publish its metrics to the CloudWatch metrics component (IPC pubsub)', () => {
    const config = inferenceComponentRecipe(plan).ComponentConfiguration?.DefaultConfiguration as {
      accessControl: Record<string, Record<string, { operations: string[]; resources: string[] }>>;
    };
    expect(
      config.accessControl['aws.greengrass.ipc.pubsub']![
        'com.example.defectdetector.inference:metrics:1'
      ],
    ).toMatchObject({
      operations: ['aws.greengrass#PublishToTopic'],
      resources: ['cloudwatch/metric/put'],
    });
  });

  it("gives the component its model group and the stage's capture settings (monitoring)", () => {
    // Act
    const config = inferenceComponentRecipe(plan).ComponentConfiguration!.DefaultConfiguration;
    // Assess: what components/inference reads from its configuration (serve.py)
    expect(config).toMatchObject({
      topicPrefix: 'edge-mlops/inference',
      modelGroup: 'defect-detector',
      // neo.dataInputConfig: the input the component shapes images into
      modelInputs: { input0: [1, 3, 224, 224] },
      monitoring: {
        captureBucket: 'edge-mlops-local-capture',
        capturePrefix: 'capture',
        sampleRate: 0.2,
      },
    });
  });

  it('leaves a plain (non-zip) artifact packed', () => {
    // Prepare
    const single = {
      ...plan,
      inferenceComponent: { ...plan.inferenceComponent, artifactUri: 's3://code/serve.py' },
    };
    // Act & Assess
    expect(inferenceComponentRecipe(single).Manifests[0]!.Artifacts[0]!.Unarchive).toBe('NONE');
  });
});
