import { join } from 'node:path';
import { GreengrassV2Client, ListInstalledComponentsCommand } from '@aws-sdk/client-greengrassv2';
import { bootstrapFor, joinFleet } from '../../cli/devices/commands';
import type { Emulator } from '../../emulator/emulator';
import { runSimulation, startLocalEmulator } from '../helpers/local-mode';

/**
 * Device onboarding in local mode (docs/devices.md): a simulated device registers through
 * its fleet's provisioning template (RegisterThing), lands in the fleet's last wave and
 * receives the fleet's current release through the group's continuous deployment.
 */
const ROOT = join(__dirname, '../..');
let emulator: Emulator;
beforeAll(async () => {
  emulator = await startLocalEmulator();
}, 60_000);
afterAll(() => emulator.close());

describe('local mode: onboarding a device', () => {
  it('a device that joins after a release receives that release', async () => {
    // Prepare: a release reaches the fleets
    const s = await runSimulation({ approve: true, endpoint: emulator.url });
    expect(s.status).toBe('SUCCEEDED');
    // Act
    const joined = await joinFleet({
      fleet: 'field-rpi',
      thingName: 'rpi-new-1',
      endpoint: emulator.url,
      config: join(ROOT, 'config/local.yml'),
    });
    // Assess
    expect(joined).toMatchObject({
      thingGroup: 'field-rpi',
      resourceArns: { thingArn: 'arn:aws:iot:us-east-1:000000000000:thing/rpi-new-1' },
    });
    const greengrass = new GreengrassV2Client({
      endpoint: emulator.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    let versions: string[] = [];
    for (let i = 0; i < 200 && !versions.includes('com.example.defectdetector.model@1.0.7'); i++) {
      await emulator.world.clock.sleep(60_000);
      const out = await greengrass.send(
        new ListInstalledComponentsCommand({ coreDeviceThingName: 'rpi-new-1' }),
      );
      versions = (out.installedComponents ?? []).map(
        (c) => `${c.componentName}@${c.componentVersion}`,
      );
    }
    expect(versions).toContain('com.example.defectdetector.model@1.0.7');
  });

  it("a device of the twin joins the twin's group through the twin's template", async () => {
    const joined = await joinFleet({
      twin: 'defect-detector',
      thingName: 'twin-new-1',
      endpoint: emulator.url,
      config: join(ROOT, 'config/local.yml'),
    });
    expect(joined).toMatchObject({
      thingGroup: 'defect-detector-twin',
      resourceArns: { thingArn: 'arn:aws:iot:us-east-1:000000000000:thing/twin-new-1' },
    });
    expect(emulator.world.fleet.groups.get('defect-detector-twin')!.page(0, 250)).toContain(
      'twin-new-1',
    );
  });

  it('refuses a device name IoT refuses', async () => {
    await expect(
      joinFleet({
        fleet: 'field-rpi',
        thingName: 'bad name',
        endpoint: emulator.url,
        config: join(ROOT, 'config/local.yml'),
      }),
    ).rejects.toMatchObject({ name: 'ResourceRegistrationFailureException' });
  });

  it("bootstraps a device with the IoT endpoints of the fleet's account", async () => {
    const b = await bootstrapFor({
      fleet: 'factory-jetson',
      thingName: 'jetson-new',
      endpoint: emulator.url,
      config: join(ROOT, 'config/local.yml'),
    });
    expect(b.configYaml).toMatch(/iotDataEndpoint: "a\w+-ats\.iot\.us-east-1\.amazonaws\.com"/);
    expect(b.configYaml).toMatch(
      /iotCredentialEndpoint: "c\w+\.credentials\.iot\.us-east-1\.amazonaws\.com"/,
    );
  });
});
