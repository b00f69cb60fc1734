import type { ListCursor } from '../fleet';
import { AwsError, epoch, queryPage } from '../http';
import type { World } from '../world';
import type { Body, Params, Query } from './greengrass-common';

/** The state a healthy component settles in: FINISHED for the nucleus and for a recipe with no Run or Startup step, else RUNNING. */
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

/** Components of the release (not the plant baseline nor Greengrass' own): those that crash. */
const isOurs = (name: string) =>
  !name.startsWith('aws.greengrass.') && !name.startsWith('com.example.plant.');

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
 * Greengrass core devices as the cloud sees them: what each last reported (its installed
 * components and their lifecycle states, its health, the deployments that reached it).
 */
export const coreDeviceRoutes = (world: World) => ({
  'GET /greengrass/v2/coreDevices': async (_body: Body, _params: Params, query: Query) => {
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
    const max = Math.min(Math.max(Number(query.get('maxResults') ?? 100) || 100, 1), 100);
    const token = query.get('nextToken');
    let from: ListCursor | undefined;
    try {
      from = token ? JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) : undefined;
    } catch {
      throw new AwsError('ValidationException', `nextToken ${token} is not valid`);
    }
    const groupName = group?.slice(group.indexOf('/') + 1);
    const thingGroup = group ? world.fleet.groups.get(groupName!) : undefined;
    // A page is computed device by device from where the last one ended; with
    // status=UNHEALTHY only cohorts whose components crash somewhere are walked.
    const items: ReturnType<typeof coreDevice>[] = [];
    let nextToken: string | undefined;
    const walk =
      group && !thingGroup
        ? []
        : world.fleet.listing(from, {
            ...(thingGroup ? { group: thingGroup } : {}),
            mayBreak: status === 'UNHEALTHY',
          });
    for (const { thing, cursor } of walk) {
      if (world.fleet.accountOf(thing) !== world.account) continue;
      if (group && (!thingGroup || !world.fleet.everSucceededIn(thing, group, now))) continue;
      const device = coreDevice(world, thing);
      if (status !== null && device.status !== status) continue;
      if (items.length >= max) {
        nextToken = Buffer.from(JSON.stringify(cursor)).toString('base64url');
        break;
      }
      items.push(device);
    }
    return {
      coreDevices: items.map(({ coreVersion: _v, tags: _t, ...summary }) => summary),
      ...(nextToken ? { nextToken } : {}),
    };
  },

  'GET /greengrass/v2/coreDevices/{coreDeviceThingName}': async (_body: Body, params: Params) =>
    coreDevice(world, knownCoreDevice(world, params.coreDeviceThingName!)),

  'GET /greengrass/v2/coreDevices/{coreDeviceThingName}/installedComponents': async (
    _body: Body,
    params: Params,
    query: Query,
  ) => {
    const thing = knownCoreDevice(world, params.coreDeviceThingName!);
    const { items, nextToken } = queryPage(installedComponents(world, thing), query, 50);
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
    params: Params,
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
    const { items, nextToken } = queryPage(all, query, 50);
    return { effectiveDeployments: items, ...(nextToken ? { nextToken } : {}) };
  },
});
