import type { Plan, TargetBuild } from '../plan';
import { smokeAccessControl } from '../smoke-contract';
import { recipeDigestOf } from './inference-artifact';
import { mostSpecificFirst } from './platforms';

/**
 * Greengrass v2 recipes, built by pure functions: the same plan always yields the same
 * recipe, byte for byte, which is what lets registration compare a hash to decide
 * between "already registered" and "conflict".
 * Reference: Greengrass v2 developer guide, component recipe reference.
 */
export type Recipe = {
  RecipeFormatVersion: '2020-01-25';
  ComponentName: string;
  ComponentVersion: string;
  ComponentType: 'aws.greengrass.generic';
  ComponentDescription: string;
  ComponentPublisher: string;
  ComponentDependencies?: Record<
    string,
    { VersionRequirement: string; DependencyType: 'HARD' | 'SOFT' }
  >;
  ComponentConfiguration?: { DefaultConfiguration: Record<string, unknown> };
  Manifests: {
    Name?: string;
    Platform?: Record<string, string>;
    Lifecycle: Record<string, unknown>;
    Artifacts: {
      URI: string;
      Unarchive: 'NONE' | 'ZIP';
      Permission?: { Read: string; Execute: string };
      /** Base64 of the artifact's hash under `Algorithm` (inference-artifact.ts, `recipeDigestOf`). */
      Digest?: string;
      Algorithm?: 'SHA-256';
    }[];
  }[];
};

const PUBLISHER = 'edge-mlops';

/** Where the model component unpacks the compiled model, as seen by a dependent component. */
export const modelDirVariable = (modelComponentName: string) =>
  `{${modelComponentName}:work:path}/model`;

const fileName = (uri: string) => uri.slice(uri.lastIndexOf('/') + 1);

/**
 * Install script that unpacks a Neo `.tar.gz` into the component's work folder.
 * Greengrass can only Unarchive ZIP, so the tarball is shipped as is and unpacked here;
 * a marker file makes the re-run at every nucleus start a no-op, and the move makes a
 * half-unpacked model impossible to observe.
 */
export const unpackScript = (artifactFile: string, version: string): string =>
  [
    'set -e',
    `if [ "$(cat {work:path}/model/.edge-mlops-version 2>/dev/null)" = "${version}" ]; then exit 0; fi`,
    'rm -rf {work:path}/model.partial && mkdir -p {work:path}/model.partial',
    `tar -xzf "{artifacts:path}/${artifactFile}" -C {work:path}/model.partial`,
    `echo "${version}" > {work:path}/model.partial/.edge-mlops-version`,
    'rm -rf {work:path}/model && mv {work:path}/model.partial {work:path}/model',
  ].join('\n');

/**
 * The model component (native packaging): one manifest per target platform, each
 * pointing at that target's Neo output. A device uses the *first* manifest its platform
 * matches, so manifests go from the most specific platform to the least (platforms.ts;
 * the config schema refuses a platform that an earlier one would hide).
 */
export const modelComponentRecipe = (plan: Plan, builds: readonly TargetBuild[]): Recipe => {
  const byTarget = new Map(builds.map((b) => [b.target, b]));
  return {
    RecipeFormatVersion: '2020-01-25',
    ComponentName: plan.modelComponent.name,
    ComponentVersion: plan.modelComponent.version,
    ComponentType: 'aws.greengrass.generic',
    ComponentDescription: `${plan.modelPackageGroupName} model package version ${plan.modelPackageVersion}, compiled by SageMaker Neo`,
    ComponentPublisher: PUBLISHER,
    Manifests: mostSpecificFirst(plan.targets, (t) => t.greengrassPlatform).map((target) => {
      const build = byTarget.get(target.name);
      if (!build) throw new Error(`no compiled build for target ${target.name}`);
      const file = fileName(build.compiledArtifactUri);
      return {
        Name: target.name,
        Platform: target.greengrassPlatform,
        Lifecycle: {
          Install: {
            Script: unpackScript(file, plan.modelComponent.version),
            Timeout: 600,
          },
        },
        Artifacts: [{ URI: build.compiledArtifactUri, Unarchive: 'NONE' }],
      };
    }),
  };
};

/**
 * The inference component: the profile's code artifact (given, or built from `source`) and run script, depending on the
 * model component with a version range of the same major. Its recipe does not change
 * with each model version, so one code version serves every model version of that major
 * (deployments pin the exact model version).
 */
export const inferenceComponentRecipe = (plan: Plan): Recipe => {
  const inference = plan.inferenceComponent;
  const major = plan.modelComponent.major;
  const native = plan.packaging === 'native';
  const modelDir = native
    ? modelDirVariable(plan.modelComponent.name)
    : '{configuration:/modelDir}';
  const zip = /\.zip$/i.test(inference.artifactUri);
  return {
    RecipeFormatVersion: '2020-01-25',
    ComponentName: inference.name,
    ComponentVersion: inference.version,
    ComponentType: 'aws.greengrass.generic',
    ComponentDescription: `Inference code for ${plan.modelPackageGroupName} (model component ${plan.modelComponent.name} ${major}.x)`,
    ComponentPublisher: PUBLISHER,
    ComponentDependencies: {
      // Edge Manager names its components per target, so a single dependency cannot be
      // declared; deployments then list the target's model component explicitly.
      ...(native
        ? {
            [plan.modelComponent.name]: {
              VersionRequirement: `>=${major}.0.0 <${major + 1}.0.0`,
              DependencyType: 'HARD' as const,
            },
          }
        : {}),
      // AWS credentials for its S3 calls (capture, smoke sample images): "a component must
      // depend on the token exchange service" (Greengrass developer guide, "Interact with AWS
      // services"); its metrics go to CloudWatch through the CloudWatch metrics component
      // (Greengrass developer guide, "CloudWatch metrics"), SOFT so its restarts leave
      // inference alone.
      'aws.greengrass.TokenExchangeService': {
        VersionRequirement: '>=2.0.0 <3.0.0',
        DependencyType: 'HARD' as const,
      },
      'aws.greengrass.Cloudwatch': {
        VersionRequirement: '>=3.0.0 <4.0.0',
        DependencyType: 'SOFT' as const,
      },
    },
    ComponentConfiguration: {
      DefaultConfiguration: {
        ...inference.configuration,
        // Lets the component answer the twin's inference smoke test (see smoke-contract.ts).
        accessControl: {
          ...smokeAccessControl(inference.name),
          // Its metrics, to the CloudWatch metrics component's local topic.
          'aws.greengrass.ipc.pubsub': {
            [`${inference.name}:metrics:1`]: {
              policyDescription: 'edge-mlops inference metrics to aws.greengrass.Cloudwatch',
              operations: ['aws.greengrass#PublishToTopic'],
              resources: ['cloudwatch/metric/put'],
            },
          },
          ...((inference.configuration.accessControl as Record<string, unknown> | undefined) ?? {}),
        },
      },
    },
    Manifests: [
      {
        Lifecycle: { Run: inference.run.replaceAll('{modelDir}', modelDir) },
        Artifacts: [
          {
            URI: inference.artifactUri,
            Unarchive: zip ? 'ZIP' : 'NONE',
            // Built from `source`: the recipe names the exact bytes. Greengrass computes the
            // digest itself when it creates the version ("If you set this parameter, AWS IoT
            // Greengrass replaces the value", component recipe reference, Artifacts: Digest),
            // in this same form, and the nucleus checks each download against it; here it also
            // makes other content under the same version a different recipe, hence a conflict.
            ...(inference.artifactSha256
              ? { Digest: recipeDigestOf(inference.artifactSha256), Algorithm: 'SHA-256' as const }
              : {}),
          },
        ],
      },
    ],
  };
};
