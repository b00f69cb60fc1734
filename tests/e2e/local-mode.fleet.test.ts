import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GreengrassV2Client, ListCoreDevicesCommand } from '@aws-sdk/client-greengrassv2';
import type { Emulator } from '../../emulator/emulator';
import { controlOf, runSimulation, startLocalEmulator } from '../helpers/local-mode';

/**
 * The product against a fleet that behaves like a real one: the twin's devices are those of
 * its deployment (not ListCoreDevices of the group, which keeps devices that left it), and
 * options given to `simulate --endpoint` take effect on that emulator or are refused by name.
 */
const ROOT = join(__dirname, '../..');
const CLI = join(ROOT, 'cli/bin/edge-mlops.mjs');
const TWIN_GROUP = 'arn:aws:iot:us-east-1:000000000000:thinggroup/defect-detector-twin';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startLocalEmulator();
}, 60_000);
afterAll(() => emulator.close());

/** The registry event for another version of the same model. */
const eventForVersion = (version: number) => {
  const e = JSON.parse(readFileSync(join(ROOT, 'events/model-package-approved.json'), 'utf8'));
  e.id = `8c9d4f0e-1a2b-4c3d-8e9f-0a1b2c3d4e${String(version).padStart(2, '0')}`;
  e.detail.ModelPackageVersion = version;
  e.detail.ModelPackageArn = e.detail.ModelPackageArn.replace(/\/7$/, `/${version}`);
  e.resources = [e.detail.ModelPackageArn];
  const file = join(mkdtempSync(join(tmpdir(), `v${version}-`)), 'event.json');
  writeFileSync(file, JSON.stringify(e));
  return file;
};

const control = (path: string, body?: unknown) => controlOf(emulator.url)(path, body);

describe('local mode: fleets like real fleets', () => {
  it('TwinDeviceLeftGroup: a device that left the twin group stays in ListCoreDevices but is not tested', async () => {
    // Prepare: a second twin device applies the group's baseline, then leaves the group.
    await control('devices', {
      addToGroup: [{ thing: 'defect-detector-twin-02', group: 'defect-detector-twin' }],
    });
    await emulator.world.clock.sleep(3 * 60_000);
    await control('devices', {
      removeFromGroup: [{ thing: 'defect-detector-twin-02', group: 'defect-detector-twin' }],
    });
    const greengrass = new GreengrassV2Client({
      endpoint: emulator.url,
      region: 'us-east-1',
      credentials,
    });
    const { coreDevices } = await greengrass.send(
      new ListCoreDevicesCommand({ thingGroupArn: TWIN_GROUP }),
    );
    expect(coreDevices?.map((d) => d.coreDeviceThingName).sort()).toEqual([
      'defect-detector-twin-01',
      'defect-detector-twin-02',
    ]);
    // Act
    const s = await runSimulation({ approve: true, endpoint: emulator.url });
    // Assess: twin-02 never received this version; testing it would fail the twin.
    expect(s.status).toBe('SUCCEEDED');
    expect(s.statesVisited).toContain('Run Twin Tests');
  }, 240_000);

  it('OfflineInSummary: a device offline during the run is named in the summary, with when it came back', async () => {
    // Act: offline from the start of the run for 5 virtual minutes, back before the first wave.
    const s = await runSimulation({
      event: eventForVersion(9),
      approve: true,
      endpoint: emulator.url,
      deviceSchedule: { offline: [{ thing: 'field-rpi-04', forMs: 5 * 60_000 }] },
    });
    // Assess
    expect(s.status).toBe('SUCCEEDED');
    expect(s.offlineDevices).toEqual([
      { device: 'field-rpi-04', since: expect.any(String), backAt: expect.any(String) },
    ]);
    expect(s.crashedComponents).toEqual([]);
  }, 240_000);

  it('EndpointOptionsRefused: --fleet-size, --seed and another --config cannot change a running emulator, and simulate says so', async () => {
    // Prepare
    const executions = emulator.sfn.executions.size;
    // Act
    const run = await promisify(execFile)(
      process.execPath,
      [
        CLI,
        'simulate',
        '--endpoint',
        emulator.url,
        '--fleet-size',
        '3',
        '--seed',
        'other',
        '--config',
        join(ROOT, 'config/example.yml'),
        '--offline-rate',
        '0.5',
      ],
      { cwd: ROOT },
    ).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--fleet-size, --seed, --config cannot change a running emulator');
    expect(emulator.sfn.executions.size).toBe(executions);
    // Refused as a whole: the rate that could have applied was not.
    expect((await control('options')).offlineRate).toBe(0);
  }, 60_000);

  it('EndpointOptionsApplied: rates given to simulate --endpoint take effect on that emulator', async () => {
    try {
      // Act: every device fails, so the twin deployment fails.
      const s = await runSimulation({
        event: eventForVersion(10),
        approve: true,
        endpoint: emulator.url,
        deviceFailureRate: 1,
        offlineRate: 0.25,
        crashAfterStartRate: 0.5,
      });
      // Assess
      expect(s.status).toBe('FAILED');
      expect(s.statesVisited).not.toContain('Request Approval');
      expect(await control('options')).toMatchObject({
        deviceFailureRate: 1,
        offlineRate: 0.25,
        crashAfterStartRate: 0.5,
      });
    } finally {
      await control('options', { deviceFailureRate: 0, offlineRate: 0, crashAfterStartRate: 0 });
    }
  }, 240_000);
});

describe('local mode: the summary names offline devices and crashed components', () => {
  it('CrashAfterStart: the jobs succeed, the bake sees the crashes, and the summary names them', async () => {
    // Act
    const s = await runSimulation({ approve: true, crashAfterStartRate: 1 });
    // Assess: every job SUCCEEDED, but components that crash during the wave's bake abort it
    // (docs/fleet-rollout.md); the crashed components show in the summary.
    expect(s.status).toBe('FAILED');
    expect(s.error).toBe('RolloutAborted');
    expect(s.cause).toMatch(/unhealthy after the deployment/);
    expect(s.crashedComponents.length).toBeGreaterThan(0);
    for (const c of s.crashedComponents) {
      expect(c).toMatchObject({
        component: 'com.example.defectdetector.inference',
        version: '1.4.0',
      });
      expect(c.device).not.toMatch(/twin/);
    }
  }, 240_000);
});
