import type { Logger } from '@aws-lambda-powertools/logger';
import {
  CreateComponentVersionCommand,
  DescribeComponentCommand,
  type DescribeComponentCommandOutput,
  GetComponentCommand,
  type GreengrassV2Client,
} from '@aws-sdk/client-greengrassv2';
import {
  ComponentRegistrationFailed,
  ComponentVersionConflict,
  classifyAwsError,
  isAwsError,
  NotReady,
} from '../errors';
import { canonicalJson, contentHash } from '../names';
import type { Recipe } from './recipes';

/** Tag holding the SHA-256 of the canonical recipe, so a later run can compare cheaply. */
export const RECIPE_HASH_TAG = 'edge-mlops:recipe-sha256';

export type RegisteredComponent = {
  name: string;
  version: string;
  arn: string;
  recipeSha256: string;
  /** True when this call found the version already registered with the same recipe. */
  reused: boolean;
};

export type ComponentArnContext = { partition: string; region: string; accountId: string };

/** `arn:aws:greengrass:<region>:<account>:components:<name>:versions:<version>` */
export const componentVersionArn = (ctx: ComponentArnContext, name: string, version: string) =>
  `arn:${ctx.partition}:greengrass:${ctx.region}:${ctx.accountId}:components:${name}:versions:${version}`;

/** Greengrass clientToken (1–64 of [a-zA-Z0-9-]) derived from what is being registered. */
export const registrationToken = (name: string, version: string, recipeSha256: string) =>
  `reg-${contentHash([name, version, recipeSha256]).slice(0, 56)}`;

type ArtifactFields = { Digest?: unknown; Algorithm?: unknown };
type ManifestFields = { Artifacts?: ArtifactFields[] };

/**
 * A recipe without what Greengrass computes: it sets each artifact's Digest and Algorithm
 * when the version is created, replacing any given value (component recipe reference,
 * "Artifacts"), so a stored recipe is compared with ours on the rest.
 */
export const authoredRecipe = (recipe: unknown): unknown => {
  const { Manifests, ...rest } = recipe as { Manifests?: ManifestFields[] };
  if (!Array.isArray(Manifests)) return recipe;
  return {
    ...rest,
    Manifests: Manifests.map((manifest) =>
      Array.isArray(manifest.Artifacts)
        ? {
            ...manifest,
            Artifacts: manifest.Artifacts.map(
              ({ Digest: _d, Algorithm: _a, ...artifact }) => artifact,
            ),
          }
        : manifest,
    ),
  };
};

/** Whether the version holds this recipe: by our tag, else by the stored recipe itself. */
const holdsRecipe = async (
  greengrass: GreengrassV2Client,
  arn: string,
  described: DescribeComponentCommandOutput,
  recipe: Recipe,
  recipeSha256: string,
): Promise<{ same: boolean; existingSha256?: string }> => {
  const tagged = described.tags?.[RECIPE_HASH_TAG];
  if (tagged) return { same: tagged === recipeSha256, existingSha256: tagged };
  // Registered without our tag (by hand, or by an older release): compare its recipe.
  const { recipe: bytes } = await greengrass.send(
    new GetComponentCommand({ arn, recipeOutputFormat: 'JSON' }),
  );
  if (!bytes) return { same: false };
  try {
    const stored = JSON.parse(Buffer.from(bytes).toString('utf8'));
    return {
      same: contentHash(authoredRecipe(stored)) === contentHash(authoredRecipe(recipe)),
      existingSha256: contentHash(stored),
    };
  } catch {
    return { same: false };
  }
};

const describe = (greengrass: GreengrassV2Client, arn: string) =>
  greengrass.send(new DescribeComponentCommand({ arn })).catch((error: unknown) => {
    throw classifyAwsError(error, 'DescribeComponent');
  });

/**
 * Registers a component version from an inline recipe. Idempotent by construction:
 * a deterministic clientToken absorbs retries within 8 hours; after that Greengrass
 * answers ConflictException, and we compare recipe hashes: the same recipe is reused,
 * a different one is a permanent `ComponentVersionConflict` naming both (versions are
 * immutable). Returns only once the version is DEPLOYABLE (else `NotReady`, retried).
 */
export const registerComponentVersion = async (
  recipe: Recipe,
  deps: { greengrass: GreengrassV2Client; logger: Logger; arnContext: ComponentArnContext },
): Promise<RegisteredComponent> => {
  const { greengrass, logger, arnContext } = deps;
  const name = recipe.ComponentName;
  const version = recipe.ComponentVersion;
  const recipeSha256 = contentHash(recipe);
  const arn = componentVersionArn(arnContext, name, version);

  let reused = false;
  let state: string | undefined;
  try {
    const created = await greengrass.send(
      new CreateComponentVersionCommand({
        inlineRecipe: new TextEncoder().encode(canonicalJson(recipe)),
        clientToken: registrationToken(name, version, recipeSha256),
        tags: { [RECIPE_HASH_TAG]: recipeSha256, 'edge-mlops:managed': 'true' },
      }),
    );
    state = created.status?.componentState;
    logger.info('component version registered', { name, version, state });
  } catch (error) {
    if (!isAwsError(error, 'ConflictException')) {
      throw classifyAwsError(error, 'CreateComponentVersion');
    }
    const existing = await describe(greengrass, arn);
    const { same, existingSha256 } = await holdsRecipe(
      greengrass,
      arn,
      existing,
      recipe,
      recipeSha256,
    ).catch((e: unknown) => {
      throw classifyAwsError(e, 'GetComponent');
    });
    if (!same) {
      throw new ComponentVersionConflict(
        `component ${name} version ${version} already exists with recipe sha256 ${existingSha256 ?? 'unknown'}, ` +
          `but this run's recipe has sha256 ${recipeSha256}; component versions are immutable, so bump the version`,
      );
    }
    reused = true;
    state = existing.status?.componentState;
    logger.info('component version already registered with the same recipe', { name, version });
  }

  if (state !== 'DEPLOYABLE') {
    const current = await describe(greengrass, arn);
    state = current.status?.componentState;
    if (state === 'FAILED') {
      const errors = Object.entries(current.status?.errors ?? {})
        .map(([artifact, message]) => `${artifact}: ${message}`)
        .join('; ');
      throw new ComponentRegistrationFailed(
        `component ${name} version ${version} FAILED: ${current.status?.message ?? ''} ${errors}`.trim(),
      );
    }
    if (state !== 'DEPLOYABLE') {
      throw new NotReady(
        `component ${name} version ${version} is ${state ?? 'in an unknown state'}, not yet DEPLOYABLE`,
      );
    }
  }
  return { name, version, arn, recipeSha256, reused };
};
