import { createHash } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import type { S3Backend } from '../backends';
import type { DownloadFailure } from '../fleet';
import { AwsError, epoch, page, required } from '../http';
import type { Component, Deployment, World } from '../world';

/**
 * AWS IoT Greengrass v2 (REST JSON). Follows the API reference and the botocore model:
 * component versions are immutable (ConflictException 409), a clientToken returns the
 * cached response for 8 hours, a deployment replaces the target's previous one, artifacts
 * must be readable, and group deployments stay ACTIVE while their job runs.
 */
type Body = Record<string, any>;
type Query = URLSearchParams;

const TARGET_ARN = /^arn:[^:]*:iot:[^:]*:[0-9]+:(thing|thinggroup)\/.+$/;
const CLIENT_TOKEN = /^[a-zA-Z0-9-]{1,64}$/;
const TOKEN_TTL_MS = 8 * 3600 * 1000;
const REGISTRATION_MS = 2_000;

const componentArn = (world: World, name: string, version: string) =>
  `arn:aws:greengrass:${world.region}:${world.account}:components:${name}:versions:${version}`;

const componentState = (world: World, c: Component) =>
  world.clock.now() >= c.deployableAt ? 'DEPLOYABLE' : 'INITIATED';

/** Same token → cached answer (if the request is the same); different request → refused. */
const idempotent = async <T>(
  world: World,
  token: string | undefined,
  fingerprint: string,
  run: () => Promise<T>,
): Promise<T> => {
  if (token === undefined) return run();
  if (!CLIENT_TOKEN.test(token))
    throw new AwsError(
      'ValidationException',
      `clientToken ${token} must match ^[a-zA-Z0-9-]+$ and be at most 64 characters`,
    );
  // Tokens belong to the caller's account: the same token in another account is a new request.
  const key = `${world.account}:${token}`;
  const cached = world.clientTokens.get(key);
  if (cached && world.clock.now() - cached.at < TOKEN_TTL_MS) {
    if (cached.fingerprint !== fingerprint) {
      throw new AwsError(
        'ConflictException',
        `The client token ${token} was used with a different request`,
        409,
      );
    }
    return cached.response as T;
  }
  const response = await run();
  world.clientTokens.set(key, { at: world.clock.now(), fingerprint, response });
  return response;
};

const deploymentStatus = (world: World, d: Deployment): string => {
  if (d.canceled) return 'CANCELED';
  const latest = [...world.deployments.values()]
    .filter((x) => x.targetArn === d.targetArn)
    .sort((a, b) => b.createdAt - a.createdAt)[0];
  if (latest && latest.deploymentId !== d.deploymentId) return 'INACTIVE';
  if (/:thinggroup\//.test(d.targetArn)) return 'ACTIVE';
  const job = world.fleet.jobs.get(d.jobId);
  if (!job) return 'ACTIVE';
  const c = world.fleet.counts(job, world.clock.now());
  if (c.QUEUED + c.IN_PROGRESS > 0) return 'ACTIVE';
  return c.SUCCEEDED === job.schedules.length ? 'COMPLETED' : 'FAILED';
};

const isLatest = (world: World, d: Deployment) =>
  ![...world.deployments.values()].some(
    (x) => x.targetArn === d.targetArn && x.createdAt > d.createdAt,
  );

const lifecycle = (name: string, world: World) => {
  const component = [...world.components.values()].find((c) => c.name === name);
  const manifests =
    (component?.recipe.Manifests as { Lifecycle?: Record<string, unknown> }[] | undefined) ?? [];
  const runs = manifests.some(
    (m) => m.Lifecycle && ('Run' in m.Lifecycle || 'Startup' in m.Lifecycle),
  );
  if (name === 'aws.greengrass.Nucleus') return 'FINISHED';
  if (component && !runs) return 'FINISHED';
  return 'RUNNING';
};

const CORE_DEVICE_STATUSES = ['HEALTHY', 'UNHEALTHY'];

const knownCoreDevice = (world: World, thing: string) => {
  // A core device exists only in the account its thing is registered in.
  if (world.fleet.accountOf(thing) !== world.account)
    throw new AwsError('ResourceNotFoundException', `Core device ${thing} does not exist`, 404, {
      resourceId: thing,
      resourceType: 'coreDevice',
    });
  return thing;
};

/**
 * The components a core device reports (API_InstalledComponent). A device reports only
 * while connected, so an offline device shows what it last reported. Components that
 * crash after start go BROKEN: Greengrass restarts an ERRORED component and marks it BROKEN
 * when it keeps failing (component lifecycle states, developer guide; three retries within
 * an hour per AWS re:Post); the emulator models only the end state.
 */
/** Components of the release (not the plant baseline nor Greengrass' own): those that crash. */
const isOurs = (name: string) =>
  !name.startsWith('aws.greengrass.') && !name.startsWith('com.example.plant.');

export const installedComponents = (world: World, thing: string) => {
  const reportedAt = world.fleet.lastOnline(thing, world.clock.now());
  const state = world.fleet.installedState(thing, reportedAt);
  return Object.entries(state.components).map(([name, spec]) => {
    const normal = lifecycle(name, world);
    const broken = state.brokenAt !== undefined && isOurs(name) && normal === 'RUNNING';
    return {
      componentName: name,
      componentVersion: spec.componentVersion,
      lifecycleState: broken ? 'BROKEN' : normal,
      ...(broken
        ? { lifecycleStateDetails: 'The component errored repeatedly after starting' }
        : {}),
      isRoot: true,
      lastStatusChangeTimestamp: epoch(
        broken ? state.brokenAt! : (state.appliedAt ?? world.clock.startedAt),
      ),
      lastReportedTimestamp: epoch(reportedAt),
      ...(state.deploymentId ? { lastInstallationSource: state.deploymentId } : {}),
    };
  });
};

/**
 * Every component of ours that went BROKEN on a device during the run, even if a later
 * deployment (a rollback) replaced it since: what the simulate summary reports.
 */
export const crashedComponents = (world: World, thing: string) =>
  world.fleet.crashHistory(thing, world.clock.now()).flatMap(({ at, components }) =>
    Object.entries(components)
      .filter(([name]) => isOurs(name) && lifecycle(name, world) === 'RUNNING')
      .map(([name, spec]) => ({ component: name, version: spec.componentVersion, since: at })),
  );

/**
 * A core device as GetCoreDevice describes it (API_GetCoreDevice): UNHEALTHY when "the
 * Greengrass Core software or a component is in a failed state" (ERRORED or BROKEN),
 * as last reported by the device.
 */
export const coreDevice = (world: World, thing: string) => {
  const reportedAt = world.fleet.lastOnline(thing, world.clock.now());
  const state = world.fleet.installedState(thing, reportedAt);
  const components = installedComponents(world, thing);
  const failed = components.some(
    (c) => c.lifecycleState === 'BROKEN' || c.lifecycleState === 'ERRORED',
  );
  // Devices report on each deployment and when a component breaks.
  const lastUpdate = Math.max(
    world.clock.startedAt,
    state.appliedAt ?? 0,
    failed ? (state.brokenAt ?? 0) : 0,
  );
  return {
    coreDeviceThingName: thing,
    coreVersion: state.components['aws.greengrass.Nucleus']?.componentVersion ?? '2.12.6',
    platform: 'linux',
    architecture: 'aarch64',
    runtime: 'aws_nucleus_classic',
    status: failed ? 'UNHEALTHY' : 'HEALTHY',
    lastStatusUpdateTimestamp: epoch(Math.min(lastUpdate, reportedAt)),
    tags: {},
  };
};

/**
 * How the devices of an account fare downloading artifacts (emulator/iam/artifact-reads.ts):
 * the failure every device of `account` reports, or undefined when they can read them all.
 */
export type ArtifactReads = (
  account: string,
  uris: string[],
) => Promise<DownloadFailure | undefined>;

/** The S3 artifact URIs of a component version's recipe (every manifest: devices have no platform). */
const artifactUris = (c: Component): string[] =>
  ((c.recipe.Manifests ?? []) as { Artifacts?: { URI?: string; Uri?: string }[] }[]).flatMap((m) =>
    (m.Artifacts ?? []).map((a) => a.URI ?? a.Uri ?? '').filter((uri) => uri.startsWith('s3://')),
  );

export const greengrass = (world: World, s3: S3Backend, artifactReads?: ArtifactReads) => {
  // Components, deployments and targets belong to one account: another account's do not exist.
  const ownedBy = (arn: string) => arn.split(':')[4] === world.account;
  const findComponent = (arn: string) => {
    const c = world.components.get(arn);
    if (!c || !ownedBy(c.arn))
      throw new AwsError(
        'ResourceNotFoundException',
        `Component version ${arn} does not exist`,
        404,
        { resourceId: arn, resourceType: 'component' },
      );
    return c;
  };
  const findDeployment = (id: string) => {
    const d = world.deployments.get(id);
    if (!d || !ownedBy(d.targetArn))
      throw new AwsError('ResourceNotFoundException', `Deployment ${id} does not exist`, 404, {
        resourceId: id,
        resourceType: 'deployment',
      });
    return d;
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
            Artifacts?: { URI?: string; Uri?: string }[];
          }[]) {
            for (const artifact of manifest.Artifacts ?? []) {
              const uri = artifact.URI ?? artifact.Uri;
              if (uri?.startsWith('s3://') && !(await s3.exists(uri))) {
                throw new AwsError(
                  'ValidationException',
                  `Specified artifact resource cannot be accessed: ${uri}`,
                );
              }
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

    'GET /greengrass/v2/components/{arn}/metadata': async (
      _body: Body,
      params: Record<string, string>,
    ) => {
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

    'GET /greengrass/v2/components/{arn}': async (
      _body: Body,
      params: Record<string, string>,
      query: Query,
    ) => {
      const c = findComponent(params.arn!);
      return {
        recipeOutputFormat: query.get('recipeOutputFormat') ?? 'JSON',
        recipe: Buffer.from(JSON.stringify(c.recipe)).toString('base64'),
        tags: c.tags,
      };
    },

    'POST /greengrass/v2/deployments': async (body: Body) => {
      const targetArn = String(required(body.targetArn, 'targetArn'));
      if (!TARGET_ARN.test(targetArn))
        throw new AwsError(
          'ValidationException',
          `targetArn ${targetArn} must be an IoT thing or thing group ARN`,
        );
      const fingerprint = JSON.stringify([
        targetArn,
        body.components,
        body.deploymentPolicies,
        body.iotJobConfiguration,
      ]);
      return idempotent(world, body.clientToken, fingerprint, async () => {
        if (!ownedBy(targetArn) || !world.fleet.resolveTarget(targetArn)) {
          throw new AwsError(
            'ResourceNotFoundException',
            `The target ${targetArn} does not exist`,
            404,
            { resourceId: targetArn, resourceType: 'target' },
          );
        }
        const uris: string[] = [];
        for (const [name, spec] of Object.entries(
          (body.components ?? {}) as Record<string, { componentVersion?: string }>,
        )) {
          const version = required(spec.componentVersion, `components.${name}.componentVersion`);
          const c = world.components.get(componentArn(world, name, version));
          if (c) uris.push(...artifactUris(c));
          // Public components (aws.greengrass.*) and the seeded baseline are always available.
          const builtIn =
            name.startsWith('aws.greengrass.') || name.startsWith('com.example.plant.');
          if (!builtIn && (!c || componentState(world, c) !== 'DEPLOYABLE')) {
            throw new AwsError(
              'ResourceNotFoundException',
              `The component ${name} version ${version} does not exist or is not deployable`,
              404,
              { resourceId: name, resourceType: 'component' },
            );
          }
        }
        // Each device downloads the artifacts with its account's token exchange role.
        const downloadFailure = await artifactReads?.(world.account, uris);
        return createDeployment(world, { ...body, targetArn }, { downloadFailure });
      });
    },

    'GET /greengrass/v2/deployments': async (
      _body: Body,
      _params: Record<string, string>,
      query: Query,
    ) => {
      const target = query.get('targetArn');
      const latestOnly = (query.get('historyFilter') ?? 'LATEST_ONLY') === 'LATEST_ONLY';
      const all = [...world.deployments.values()]
        .filter((d) => !target || d.targetArn === target)
        .filter((d) => !latestOnly || isLatest(world, d))
        .sort((a, b) => b.createdAt - a.createdAt);
      const { items, nextToken } = page(
        all,
        query.get('nextToken') ?? undefined,
        Number(query.get('maxResults') ?? 50),
        100,
      );
      return {
        deployments: items.map((d) => ({
          targetArn: d.targetArn,
          revisionId: d.revisionId,
          deploymentId: d.deploymentId,
          deploymentName: d.deploymentName,
          creationTimestamp: epoch(d.createdAt),
          deploymentStatus: deploymentStatus(world, d),
          isLatestForTarget: isLatest(world, d),
        })),
        ...(nextToken ? { nextToken } : {}),
      };
    },

    'GET /greengrass/v2/deployments/{deploymentId}': async (
      _body: Body,
      params: Record<string, string>,
    ) => {
      const d = findDeployment(params.deploymentId!);
      const job = world.fleet.jobs.get(d.jobId)!;
      return {
        targetArn: d.targetArn,
        revisionId: d.revisionId,
        deploymentId: d.deploymentId,
        deploymentName: d.deploymentName,
        deploymentStatus: deploymentStatus(world, d),
        iotJobId: job.jobId,
        iotJobArn: job.jobArn,
        components: d.components,
        deploymentPolicies: d.deploymentPolicies,
        iotJobConfiguration: d.iotJobConfiguration,
        creationTimestamp: epoch(d.createdAt),
        isLatestForTarget: isLatest(world, d),
        tags: d.tags ?? {},
      };
    },

    'POST /greengrass/v2/deployments/{deploymentId}/cancel': async (
      _body: Body,
      params: Record<string, string>,
    ) => {
      const d = findDeployment(params.deploymentId!);
      const status = deploymentStatus(world, d);
      if (status !== 'ACTIVE')
        throw new AwsError(
          'ConflictException',
          `Deployment ${d.deploymentId} is ${status} and can't be cancelled`,
          409,
          { resourceId: d.deploymentId, resourceType: 'deployment' },
        );
      d.canceled = true;
      world.fleet.cancel(world.fleet.jobs.get(d.jobId)!, world.clock.now());
      return { message: 'SUCCESS' };
    },

    'GET /greengrass/v2/coreDevices': async (
      _body: Body,
      _params: Record<string, string>,
      query: Query,
    ) => {
      const group = query.get('thingGroupArn');
      const status = query.get('status');
      if (status !== null && !CORE_DEVICE_STATUSES.includes(status))
        throw new AwsError(
          'ValidationException',
          `status ${status} must be one of ${CORE_DEVICE_STATUSES.join(', ')}`,
        );
      const now = world.clock.now();
      // With thingGroupArn AWS lists "only core devices that have successfully deployed a
      // deployment that targets the thing group. When you remove a core device from a thing
      // group, the list continues to include that core device" (API_ListCoreDevices): it is
      // not the group's membership.
      const things = [...world.fleet.things.values()]
        .filter((t) => t.account === world.account)
        .map((t) => t.name)
        .filter((thing) => !group || world.fleet.everSucceededIn(thing, group, now))
        .map((thing) => coreDevice(world, thing))
        .filter((d) => status === null || d.status === status);
      const { items, nextToken } = page(
        things,
        query.get('nextToken') ?? undefined,
        Number(query.get('maxResults') ?? 100),
        100,
      );
      return {
        coreDevices: items.map(({ coreVersion: _v, tags: _t, ...summary }) => summary),
        ...(nextToken ? { nextToken } : {}),
      };
    },

    'GET /greengrass/v2/coreDevices/{coreDeviceThingName}': async (
      _body: Body,
      params: Record<string, string>,
    ) => coreDevice(world, knownCoreDevice(world, params.coreDeviceThingName!)),

    'GET /greengrass/v2/coreDevices/{coreDeviceThingName}/installedComponents': async (
      _body: Body,
      params: Record<string, string>,
      query: Query,
    ) => {
      const thing = knownCoreDevice(world, params.coreDeviceThingName!);
      const { items, nextToken } = page(
        installedComponents(world, thing),
        query.get('nextToken') ?? undefined,
        Number(query.get('maxResults') ?? 50),
        100,
      );
      return {
        installedComponents: items,
        ...(nextToken ? { nextToken } : {}),
      };
    },

    /**
     * The deployments that reached a core device and how each went there (API
     * ListEffectiveDeployments): a device that could not download an artifact reports FAILED
     * with the nucleus' error stack and types in statusDetails (nucleus 2.8.0 and later).
     */
    'GET /greengrass/v2/coreDevices/{coreDeviceThingName}/effectiveDeployments': async (
      _body: Body,
      params: Record<string, string>,
      query: Query,
    ) => {
      const thing = knownCoreDevice(world, params.coreDeviceThingName!);
      const reportedAt = world.fleet.lastOnline(thing, world.clock.now());
      const all = world.fleet.deviceExecutions(thing, reportedAt).map((e) => {
        const d = world.deployments.get(e.job.deploymentId);
        return {
          deploymentId: e.job.deploymentId,
          deploymentName: d?.deploymentName ?? e.job.deploymentId,
          iotJobId: e.job.jobId,
          iotJobArn: e.job.jobArn,
          targetArn: e.job.targetArn,
          coreDeviceExecutionStatus: e.status === 'REMOVED' ? 'CANCELED' : e.status,
          ...(e.downloadFailure
            ? {
                reason: e.downloadFailure.reason,
                statusDetails: {
                  errorStack: e.downloadFailure.errorStack,
                  errorTypes: e.downloadFailure.errorTypes,
                },
              }
            : {}),
          creationTimestamp: epoch(e.job.createdAt),
          modifiedTimestamp: epoch(e.modifiedAt),
        };
      });
      const { items, nextToken } = page(
        all,
        query.get('nextToken') ?? undefined,
        Number(query.get('maxResults') ?? 50),
        100,
      );
      return { effectiveDeployments: items, ...(nextToken ? { nextToken } : {}) };
    },
  };
};

/** Creates a deployment and its IoT job (also used to seed each group's baseline). */
export const createDeployment = (
  world: World,
  body: Body,
  options: { healthy?: boolean; downloadFailure?: DownloadFailure } = {},
) => {
  const now = world.clock.now();
  // Deterministic under the seed, like everything the simulation decides.
  const digest = createHash('sha256')
    .update(`${world.options.seed}|deployment|${world.deployments.size}`)
    .digest('hex');
  const deploymentId = `${digest.slice(0, 8)}-${digest.slice(8, 12)}-4${digest.slice(13, 16)}-a${digest.slice(17, 20)}-${digest.slice(20, 32)}`;
  const jobConfig = body.iotJobConfiguration ?? {};
  const abort = jobConfig.abortConfig?.criteriaList?.[0];
  const job = world.fleet.createJob({
    deploymentId,
    targetArn: body.targetArn,
    components: body.components ?? {},
    createdAt: now,
    maximumPerMinute: jobConfig.jobExecutionsRolloutConfig?.maximumPerMinute,
    timeoutMinutes: jobConfig.timeoutConfig?.inProgressTimeoutInMinutes,
    abort: abort
      ? {
          thresholdPercentage: abort.thresholdPercentage,
          minExecuted: abort.minNumberOfExecutedThings,
        }
      : undefined,
    healthy: options.healthy,
    downloadFailure: options.downloadFailure,
  });
  const deployment: Deployment = {
    deploymentId,
    deploymentName: body.deploymentName,
    targetArn: body.targetArn,
    revisionId: String(
      [...world.deployments.values()].filter((d) => d.targetArn === body.targetArn).length + 1,
    ),
    components: body.components ?? {},
    deploymentPolicies: body.deploymentPolicies,
    iotJobConfiguration: body.iotJobConfiguration,
    tags: body.tags,
    createdAt: now,
    jobId: job.jobId,
    canceled: false,
  };
  world.deployments.set(deploymentId, deployment);
  return { deploymentId, iotJobId: job.jobId, iotJobArn: job.jobArn };
};
