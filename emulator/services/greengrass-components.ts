import { createHash } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import type { S3Backend } from '../backends';
import { AwsError, epoch, required } from '../http';
import type { Component, World } from '../world';
import {
  type Body,
  componentArn,
  idempotent,
  ownedBy,
  type Params,
  type Query,
} from './greengrass-common';

const REGISTRATION_MS = 2_000;

export const componentState = (world: World, c: Component) =>
  world.clock.now() >= c.deployableAt ? 'DEPLOYABLE' : 'INITIATED';

type RecipeArtifact = { URI?: string; Uri?: string; Digest?: string; Algorithm?: string };

/** The S3 artifacts of a component version's recipe (every manifest), with the service's digests. */
export const s3Artifacts = (c: { recipe: Component['recipe'] }) =>
  ((c.recipe.Manifests ?? []) as { Artifacts?: RecipeArtifact[] }[]).flatMap((m) =>
    (m.Artifacts ?? [])
      .map((a) => ({ uri: a.URI ?? a.Uri ?? '', digest: a.Digest, algorithm: a.Algorithm }))
      .filter((a) => a.uri.startsWith('s3://')),
  );

/** The S3 artifact URIs of a component version's recipe (every manifest: devices have no platform). */
export const artifactUris = (c: { recipe: Component['recipe'] }): string[] =>
  ((c.recipe.Manifests ?? []) as { Artifacts?: { URI?: string; Uri?: string }[] }[]).flatMap((m) =>
    (m.Artifacts ?? []).map((a) => a.URI ?? a.Uri ?? '').filter((uri) => uri.startsWith('s3://')),
  );

/**
 * Greengrass component versions: immutable once created (ConflictException 409), their
 * artifacts readable at creation, DEPLOYABLE after a short registration.
 */
export const componentRoutes = (world: World, s3: S3Backend) => {
  const findComponent = (arn: string) => {
    const c = world.components.get(arn);
    if (!c || !ownedBy(world, c.arn))
      throw new AwsError(
        'ResourceNotFoundException',
        `Component version ${arn} does not exist`,
        404,
        { resourceId: arn, resourceType: 'component' },
      );
    return c;
  };
  return {
    'POST /greengrass/v2/createComponentVersion': async (body: Body) => {
      const text = Buffer.from(
        required(body.inlineRecipe as string, 'inlineRecipe'),
        'base64',
      ).toString('utf8');
      return idempotent(
        world,
        body.clientToken,
        text + JSON.stringify(body.tags ?? {}),
        async () => {
          let recipe: Record<string, any>;
          try {
            recipe = text.trim().startsWith('{') ? JSON.parse(text) : parseYaml(text);
          } catch (error) {
            throw new AwsError(
              'ValidationException',
              `The recipe is not valid JSON or YAML: ${(error as Error).message}`,
            );
          }
          const name = String(required(recipe.ComponentName, 'ComponentName'));
          const version = String(required(recipe.ComponentVersion, 'ComponentVersion'));
          if (name.length > 128 || version.length > 64)
            throw new AwsError(
              'ValidationException',
              'Component name is limited to 128 and version to 64 characters',
            );
          if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.test(version)) {
            throw new AwsError(
              'ValidationException',
              `Component version ${version} is not a valid semantic version`,
            );
          }
          if (recipe.RecipeFormatVersion !== '2020-01-25')
            throw new AwsError('ValidationException', 'RecipeFormatVersion must be 2020-01-25');
          const arn = componentArn(world, name, version);
          if (world.components.has(arn)) {
            throw new AwsError(
              'ConflictException',
              `Component [${name} : ${version}] for account [${world.account}] already exists and can't be created again.`,
              409,
              { resourceId: arn, resourceType: 'component' },
            );
          }
          for (const manifest of (recipe.Manifests ?? []) as {
            Artifacts?: RecipeArtifact[];
          }[]) {
            for (const artifact of manifest.Artifacts ?? []) {
              const uri = artifact.URI ?? artifact.Uri;
              if (!uri?.startsWith('s3://')) continue;
              const bytes = await s3.getBytes(uri);
              if (!bytes) {
                throw new AwsError(
                  'ValidationException',
                  `Specified artifact resource cannot be accessed: ${uri}`,
                );
              }
              // The service hashes each artifact and replaces whatever Digest and Algorithm the
              // recipe gave (component recipe reference, Artifacts: "If you set this parameter,
              // AWS IoT Greengrass replaces the value that you set"); devices check downloads
              // against it (greengrass-deployments.ts).
              artifact.Algorithm = 'SHA-256';
              artifact.Digest = createHash('sha256').update(bytes).digest('base64');
            }
          }
          const now = world.clock.now();
          world.components.set(arn, {
            arn,
            name,
            version,
            recipe,
            recipeText: text,
            tags: body.tags ?? {},
            createdAt: now,
            deployableAt: now + REGISTRATION_MS,
          });
          return {
            arn,
            componentName: name,
            componentVersion: version,
            creationTimestamp: epoch(now),
            status: { componentState: 'REQUESTED', message: 'NONE', errors: {} },
          };
        },
      );
    },

    'GET /greengrass/v2/components/{arn}/metadata': async (_body: Body, params: Params) => {
      const c = findComponent(params.arn!);
      const state = componentState(world, c);
      return {
        arn: c.arn,
        componentName: c.name,
        componentVersion: c.version,
        creationTimestamp: epoch(c.createdAt),
        publisher: c.recipe.ComponentPublisher,
        description: c.recipe.ComponentDescription,
        status: {
          componentState: state,
          message: state === 'DEPLOYABLE' ? 'NONE' : 'Registration in progress',
          errors: {},
        },
        platforms: ((c.recipe.Manifests ?? []) as { Platform?: Record<string, string> }[]).map(
          (m) => ({ attributes: m.Platform ?? {} }),
        ),
        tags: c.tags,
      };
    },

    'GET /greengrass/v2/components/{arn}': async (_body: Body, params: Params, query: Query) => {
      const c = findComponent(params.arn!);
      return {
        recipeOutputFormat: query.get('recipeOutputFormat') ?? 'JSON',
        recipe: Buffer.from(JSON.stringify(c.recipe)).toString('base64'),
        tags: c.tags,
      };
    },
  };
};
