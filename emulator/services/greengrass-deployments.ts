import { createHash } from 'node:crypto';
import type { S3Backend } from '../backends';
import type { DownloadFailure } from '../fleet';
import { AwsError, epoch, queryPage, required } from '../http';
import { notFound } from '../iam/artifact-reads';
import type { Deployment, World } from '../world';
import {
  type Body,
  componentArn,
  idempotent,
  ownedBy,
  type Params,
  type Query,
} from './greengrass-common';
import { componentState, s3Artifacts } from './greengrass-components';

const TARGET_ARN = /^arn:[^:]*:iot:[^:]*:[0-9]+:(thing|thinggroup)\/.+$/;

/**
 * How the devices of an account fare downloading artifacts (emulator/iam/artifact-reads.ts):
 * the failure every device of `account` reports, or undefined when they can read them all.
 */
export type ArtifactReads = (
  account: string,
  uris: string[],
  missing?: ReadonlySet<string>,
) => Promise<DownloadFailure | undefined>;

/**
 * What a device finds when it downloads the artifacts: those that no longer exist, and the
 * first whose bytes differ from the digest Greengrass recorded when the version was created.
 * The nucleus hashes each download with the recipe's Algorithm and compares the Base64 with its
 * Digest, failing with ARTIFACT_CHECKSUM_MISMATCH (aws-greengrass-nucleus, ArtifactDownloader;
 * component recipe reference, Artifacts: "If the hash doesn't match the digest, the deployment
 * fails").
 */
const inspectArtifacts = async (
  s3: S3Backend | undefined,
  artifacts: { uri: string; digest?: string }[],
): Promise<{ missing: Set<string>; changed?: DownloadFailure }> => {
  const missing = new Set<string>();
  let changed: DownloadFailure | undefined;
  if (!s3) return { missing };
  for (const { uri, digest } of artifacts) {
    const bytes = await s3.getBytes(uri);
    if (!bytes) missing.add(uri);
    else if (!changed && digest && createHash('sha256').update(bytes).digest('base64') !== digest)
      changed = {
        errorStack: ['DEPLOYMENT_FAILURE', 'ARTIFACT_DOWNLOAD_ERROR', 'ARTIFACT_CHECKSUM_MISMATCH'],
        errorTypes: ['COMPONENT_RECIPE_ERROR'],
        reason: `Integrity check for downloaded artifact ${uri} failed. Probably due to the file changing after creating the component version`,
      };
  }
  return { missing, changed };
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
  return c.SUCCEEDED === world.fleet.executionCount(job) ? 'COMPLETED' : 'FAILED';
};

const isLatest = (world: World, d: Deployment) =>
  ![...world.deployments.values()].some(
    (x) => x.targetArn === d.targetArn && x.createdAt > d.createdAt,
  );

/**
 * Greengrass deployments: one per target at a time (a new one replaces the previous), each
 * expanded into an IoT job on the simulated fleet; group deployments stay ACTIVE while their
 * job runs.
 */
export const deploymentRoutes = (world: World, artifactReads?: ArtifactReads, s3?: S3Backend) => {
  const findDeployment = (id: string) => {
    const d = world.deployments.get(id);
    if (!d || !ownedBy(world, d.targetArn))
      throw new AwsError('ResourceNotFoundException', `Deployment ${id} does not exist`, 404, {
        resourceId: id,
        resourceType: 'deployment',
      });
    return d;
  };
  return {
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
        if (!ownedBy(world, targetArn) || !world.fleet.targetExists(targetArn)) {
          throw new AwsError(
            'ResourceNotFoundException',
            `The target ${targetArn} does not exist`,
            404,
            { resourceId: targetArn, resourceType: 'target' },
          );
        }
        const artifacts: { uri: string; digest?: string }[] = [];
        for (const [name, spec] of Object.entries(
          (body.components ?? {}) as Record<string, { componentVersion?: string }>,
        )) {
          const version = required(spec.componentVersion, `components.${name}.componentVersion`);
          const c = world.components.get(componentArn(world, name, version));
          if (c) artifacts.push(...s3Artifacts(c));
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
        // Each device downloads the artifacts with its account's token exchange role, then
        // checks each against its digest.
        const { missing, changed } = await inspectArtifacts(s3, artifacts);
        const uris = artifacts.map((a) => a.uri);
        const downloadFailure =
          (await artifactReads?.(world.account, uris, missing)) ??
          // Without access rules (a bare emulator), a missing object is a plain 404.
          (missing.size && !artifactReads
            ? notFound(
                `Failed to head artifact object ${[...missing][0]} from S3. HeadObject returns 404 Resource Not Found: the object does not exist`,
              )
            : undefined) ??
          changed;
        return createDeployment(world, { ...body, targetArn }, { downloadFailure });
      });
    },

    'GET /greengrass/v2/deployments': async (_body: Body, _params: Params, query: Query) => {
      const target = query.get('targetArn');
      const latestOnly = (query.get('historyFilter') ?? 'LATEST_ONLY') === 'LATEST_ONLY';
      const all = [...world.deployments.values()]
        .filter((d) => !target || d.targetArn === target)
        .filter((d) => !latestOnly || isLatest(world, d))
        .sort((a, b) => b.createdAt - a.createdAt);
      const { items, nextToken } = queryPage(all, query, 50);
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

    'GET /greengrass/v2/deployments/{deploymentId}': async (_body: Body, params: Params) => {
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
      params: Params,
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
      const job = world.fleet.jobs.get(d.jobId)!;
      world.fleet.cancel(job, world.clock.now());
      world.jobEvents?.canceled(job, world.clock.now());
      return { message: 'SUCCESS' };
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
    exponentialRate: jobConfig.jobExecutionsRolloutConfig?.exponentialRate,
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
  world.jobEvents?.created(job);
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
