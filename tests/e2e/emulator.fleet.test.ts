import { join } from 'node:path';
import {
  CreateComponentVersionCommand,
  CreateDeploymentCommand,
  GetCoreDeviceCommand,
  GetDeploymentCommand,
  GreengrassV2Client,
  ListCoreDevicesCommand,
  ListInstalledComponentsCommand,
} from '@aws-sdk/client-greengrassv2';
import { DescribeJobCommand, IoTClient, ListJobExecutionsForJobCommand } from '@aws-sdk/client-iot';
import { Emulator } from '../../emulator/emulator';
import { loadStageConfig } from '../../functions/shared/stage-config/load';

/**
 * The simulated fleet behaves like a real one, seen through the real SDK clients: offline
 * devices keep their executions QUEUED (the in-progress timeout has not started) and apply
 * the deployment when they are back; components can crash after a successful deployment
 * (BROKEN, core device UNHEALTHY); ListCoreDevices(thingGroupArn) lists the devices that
 * once succeeded a deployment to the group, not its members. Options and device controls
 * take effect at once or are refused by name.
 */
const ROOT = join(__dirname, '../..');
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const MINUTE = 60_000;
const group = (name: string) => `arn:aws:iot:us-east-1:000000000000:thinggroup/${name}`;

let emulator: Emulator;
let greengrass: GreengrassV2Client;
let iot: IoTClient;
beforeAll(async () => {
  emulator = await Emulator.start({
    config: loadStageConfig(join(ROOT, 'config/local.yml')),
    configFile: join(ROOT, 'config/local.yml'),
    // field-rpi-05 is offline from the start and never comes back.
    deviceSchedule: { offline: [{ thing: 'field-rpi-05' }] },
  });
  const opts = { endpoint: emulator.url, region: 'us-east-1', credentials, maxAttempts: 1 };
  greengrass = new GreengrassV2Client(opts);
  iot = new IoTClient(opts);
  // Every other device has applied its baseline (20–90 virtual seconds).
  await virtualSleep(2 * MINUTE);
}, 60_000);
afterAll(() => emulator.close());

const virtualSleep = (ms: number) => emulator.world.clock.sleep(ms);

const control = async (path: string, body?: unknown) => {
  const res = await fetch(`${emulator.url}/_emulator/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as any };
};

const deploy = async (
  target: string,
  components: Record<string, { componentVersion: string }>,
  timeoutMinutes = 60,
) => {
  const { deploymentId } = await greengrass.send(
    new CreateDeploymentCommand({
      targetArn: target,
      deploymentName: 'fleet test',
      components,
      iotJobConfiguration: { timeoutConfig: { inProgressTimeoutInMinutes: timeoutMinutes } },
    }),
  );
  const { iotJobId } = await greengrass.send(new GetDeploymentCommand({ deploymentId }));
  return iotJobId!;
};

const executions = async (jobId: string) => {
  const { executionSummaries } = await iot.send(
    new ListJobExecutionsForJobCommand({ jobId, maxResults: 100 }),
  );
  return Object.fromEntries(
    (executionSummaries ?? []).map((e) => [
      e.thingArn!.slice(e.thingArn!.lastIndexOf('/') + 1),
      e.jobExecutionSummary!.status,
    ]),
  );
};

const installed = async (thing: string) => {
  const { installedComponents } = await greengrass.send(
    new ListInstalledComponentsCommand({ coreDeviceThingName: thing }),
  );
  return Object.fromEntries(
    (installedComponents ?? []).map((c) => [
      c.componentName!,
      `${c.componentVersion} ${c.lifecycleState}`,
    ]),
  );
};

const telemetry = (version: string) => ({
  'com.example.plant.telemetry': { componentVersion: version },
});

describe('offline devices', () => {
  it('keeps an offline device QUEUED past the in-progress timeout, then applies the deployment when it is back', async () => {
    // Prepare
    expect(
      (await control('devices', { offline: [{ thing: 'field-rpi-02', forMs: 20 * MINUTE }] }))
        .status,
    ).toBe(200);
    // Act
    const jobId = await deploy(group('field-rpi'), telemetry('1.3.0'), 5);
    await virtualSleep(10 * MINUTE);
    // Assess: the others are done, the offline one waits without timing out.
    const during = await executions(jobId);
    expect(during['field-rpi-01']).toBe('SUCCEEDED');
    expect(during['field-rpi-02']).toBe('QUEUED');
    const { job } = await iot.send(new DescribeJobCommand({ jobId }));
    expect(job?.jobProcessDetails?.numberOfTimedOutThings).toBe(0);
    expect(job?.jobProcessDetails?.numberOfQueuedThings).toBe(2); // -02 and -05 (never back)
    expect((await installed('field-rpi-02'))['com.example.plant.telemetry']).toBe('1.2.0 RUNNING');
    // …until it comes back (20 min) and applies it (≤ 90 s).
    await virtualSleep(12 * MINUTE);
    expect((await executions(jobId))['field-rpi-02']).toBe('SUCCEEDED');
    expect((await installed('field-rpi-02'))['com.example.plant.telemetry']).toBe('1.3.0 RUNNING');
    expect((await executions(jobId))['field-rpi-05']).toBe('QUEUED');
  });

  it('--offline-rate leaves fleet devices (not the twin) offline for a while; they apply the deployment when back', async () => {
    // Prepare
    await control('options', { offlineRate: 1, offlineMs: [15 * MINUTE, 15 * MINUTE] });
    try {
      // Act
      const fleetJob = await deploy(group('factory-jetson-canary'), telemetry('1.3.0'));
      const twinJob = await deploy(group('defect-detector-twin'), telemetry('1.3.0'));
      await virtualSleep(5 * MINUTE);
      // Assess
      expect(Object.values(await executions(fleetJob))).toEqual(Array(5).fill('QUEUED'));
      expect(Object.values(await executions(twinJob))).toEqual(['SUCCEEDED']);
      const { body } = await control('devices');
      const canary = body.devices.filter((d: any) => d.group === 'factory-jetson-canary');
      expect(canary.map((d: any) => d.online)).toEqual(Array(5).fill(false));
      await virtualSleep(12 * MINUTE);
      expect(Object.values(await executions(fleetJob))).toEqual(Array(5).fill('SUCCEEDED'));
    } finally {
      await control('options', { offlineRate: 0 });
    }
  });

  it('a device that comes back gets only the latest deployment of its group', async () => {
    // Prepare
    await control('devices', { offline: [{ thing: 'factory-jetson-main-01' }] });
    const first = await deploy(group('factory-jetson-main'), telemetry('1.4.0'));
    await virtualSleep(2 * MINUTE);
    const second = await deploy(group('factory-jetson-main'), telemetry('1.5.0'));
    await virtualSleep(2 * MINUTE);
    // Act
    await control('devices', { online: ['factory-jetson-main-01'] });
    await virtualSleep(2 * MINUTE);
    // Assess
    expect((await executions(first))['factory-jetson-main-01']).toBe('CANCELED');
    expect((await executions(first))['factory-jetson-main-02']).toBe('SUCCEEDED');
    expect((await executions(second))['factory-jetson-main-01']).toBe('SUCCEEDED');
    expect((await installed('factory-jetson-main-01'))['com.example.plant.telemetry']).toBe(
      '1.5.0 RUNNING',
    );
  });
});

describe('components that crash after start', () => {
  it('--crash-after-start-rate: the deployment succeeds, then the component goes BROKEN and the device UNHEALTHY', async () => {
    // Prepare: a component that runs (a Run lifecycle).
    await greengrass.send(
      new CreateComponentVersionCommand({
        inlineRecipe: new TextEncoder().encode(
          JSON.stringify({
            RecipeFormatVersion: '2020-01-25',
            ComponentName: 'com.example.crashy',
            ComponentVersion: '1.0.0',
            Manifests: [{ Lifecycle: { Run: 'python3 -u serve.py' } }],
          }),
        ),
      }),
    );
    await virtualSleep(MINUTE);
    await control('options', { crashAfterStartRate: 1, crashAfterMs: [10 * MINUTE, 10 * MINUTE] });
    try {
      // Act
      const jobId = await deploy(group('factory-jetson-main'), {
        'com.example.crashy': { componentVersion: '1.0.0' },
        ...telemetry('1.5.0'),
      });
      await virtualSleep(2 * MINUTE);
      // Assess: a success, running…
      expect(Object.values(await executions(jobId))).toEqual(Array(5).fill('SUCCEEDED'));
      expect(await installed('factory-jetson-main-03')).toMatchObject({
        'com.example.crashy': '1.0.0 RUNNING',
      });
      expect(
        (
          await greengrass.send(
            new GetCoreDeviceCommand({ coreDeviceThingName: 'factory-jetson-main-03' }),
          )
        ).status,
      ).toBe('HEALTHY');
      // …then broken, as the device reports it.
      await virtualSleep(10 * MINUTE);
      expect(await installed('factory-jetson-main-03')).toMatchObject({
        'com.example.crashy': '1.0.0 BROKEN',
        'com.example.plant.telemetry': '1.5.0 RUNNING',
      });
      expect(
        (
          await greengrass.send(
            new GetCoreDeviceCommand({ coreDeviceThingName: 'factory-jetson-main-03' }),
          )
        ).status,
      ).toBe('UNHEALTHY');
      const unhealthy = await greengrass.send(
        new ListCoreDevicesCommand({
          thingGroupArn: group('factory-jetson-main'),
          status: 'UNHEALTHY',
        }),
      );
      expect(unhealthy.coreDevices?.map((d) => d.coreDeviceThingName)).toHaveLength(5);
      // The job's verdict does not change: the crash came after success.
      expect(Object.values(await executions(jobId))).toEqual(Array(5).fill('SUCCEEDED'));
      const { body } = await control('devices');
      const device = body.devices.find((d: any) => d.thing === 'factory-jetson-main-03');
      expect(device.broken).toEqual([
        expect.objectContaining({ component: 'com.example.crashy', version: '1.0.0' }),
      ]);
    } finally {
      await control('options', { crashAfterStartRate: 0 });
    }
  });
});

describe('ListCoreDevices(thingGroupArn)', () => {
  const listed = async (groupName: string) => {
    const { coreDevices } = await greengrass.send(
      new ListCoreDevicesCommand({ thingGroupArn: group(groupName) }),
    );
    return (coreDevices ?? []).map((d) => d.coreDeviceThingName).sort();
  };

  it('lists devices that once succeeded a deployment to the group, including devices removed from it', async () => {
    // field-rpi-05 is in the group but never succeeded a deployment to it.
    expect(await listed('field-rpi')).toEqual([
      'field-rpi-01',
      'field-rpi-02',
      'field-rpi-03',
      'field-rpi-04',
    ]);
    const { coreDevices } = await greengrass.send(new ListCoreDevicesCommand({}));
    expect(coreDevices?.map((d) => d.coreDeviceThingName)).toContain('field-rpi-05');
    // Act
    expect(
      (
        await control('devices', {
          removeFromGroup: [{ thing: 'field-rpi-03', group: 'field-rpi' }],
        })
      ).status,
    ).toBe(200);
    // Assess: still listed, but new deployments to the group no longer reach it.
    expect(await listed('field-rpi')).toContain('field-rpi-03');
    const jobId = await deploy(group('field-rpi'), telemetry('1.6.0'));
    expect(Object.keys(await executions(jobId))).not.toContain('field-rpi-03');
  });
});

describe('emulator controls', () => {
  it('applies a device failure rate at once (it used to be accepted and ignored)', async () => {
    await control('options', { deviceFailureRate: 1 });
    try {
      const jobId = await deploy(group('factory-jetson-canary'), telemetry('1.7.0'));
      await virtualSleep(2 * MINUTE);
      expect(Object.values(await executions(jobId))).toEqual(Array(5).fill('FAILED'));
    } finally {
      await control('options', { deviceFailureRate: 0 });
    }
  });

  it('refuses an unknown option or a rate out of range, naming it, and changes nothing', async () => {
    const unknown = await control('options', { offlineRate: 0.5, fleetSize: 9 });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toMatch(/fleetSize/);
    const outOfRange = await control('options', { crashAfterStartRate: 2 });
    expect(outOfRange.status).toBe(400);
    expect(outOfRange.body.message).toMatch(/crashAfterStartRate/);
    expect((await control('options')).body).toMatchObject({
      offlineRate: 0,
      crashAfterStartRate: 0,
    });
  });

  it('refuses device controls for unknown devices, naming them', async () => {
    const res = await control('devices', { offline: [{ thing: 'no-such-device' }] });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/no-such-device/);
  });
});
