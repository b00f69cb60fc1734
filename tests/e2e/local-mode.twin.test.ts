import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Emulator } from '../../emulator/emulator';
import { controlOf, runSimulation, startLocalEmulator } from '../helpers/local-mode';
import { until } from '../helpers/until';

const ROOT = join(__dirname, '../..');
const v7 = JSON.parse(readFileSync(join(ROOT, 'events/model-package-approved.json'), 'utf8'));

/** The sample event for another version of the same model group, approved a little later. */
const versionEvent = (version: number, approvedAt: string) => {
  const event = JSON.parse(JSON.stringify(v7));
  event.id = `8c9d4f0e-1a2b-4c3d-8e9f-0a1b2c3d4e${String(version).padStart(2, '0')}`;
  event.detail.ModelPackageVersion = version;
  event.detail.ModelPackageArn = event.detail.ModelPackageArn.replace(/\/7$/, `/${version}`);
  event.resources = [event.detail.ModelPackageArn];
  event.detail.LastModifiedTime = approvedAt;
  const file = join(mkdtempSync(join(tmpdir(), `v${version}-`)), `v${version}.json`);
  writeFileSync(file, JSON.stringify(event));
  return { event, file };
};

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startLocalEmulator();
}, 60_000);
afterAll(() => emulator.close());

const control = (path: string, body?: unknown) => controlOf(emulator.url)(path, body);

describe('local mode: the twin is shared by close approvals', () => {
  it('CloseApprovalsReleaseTheNewer: the newer version is released, the older ends Superseded', async () => {
    // Prepare: version 7 is approved and starts building…
    await control('seed', { event: v7 });
    const { deliveries } = await control('deliver', { event: v7 });
    const olderArn = deliveries[0].result.executionArn as string;
    // Act: …and version 8 is approved moments later, while 7 is still on its way to the twin.
    const v8 = versionEvent(8, '2026-11-21T09:00:00Z');
    const newer = await runSimulation({ event: v8.file, approve: true, endpoint: emulator.url });
    // Assess: 8 went all the way; 7 never tested on 8's deployment nor failed because of it.
    expect(newer.status).toBe('SUCCEEDED');
    const older = await until(
      'version 7 to end',
      async () => {
        const e = emulator.sfn.executions.get(olderArn);
        return e && e.status !== 'RUNNING' ? e : undefined;
      },
      60_000,
    );
    expect(older.status).toBe('SUCCEEDED');
    expect(older.statesVisited).toContain('Superseded');
    expect(older.statesVisited).not.toContain('Twin Tests Failed');
    expect(older.statesVisited).not.toContain('Request Approval');
    const twinDeployments = [...emulator.world.deployments.values()]
      .filter((d) => d.targetArn.endsWith('/defect-detector-twin'))
      .sort((a, b) => b.createdAt - a.createdAt);
    expect(twinDeployments[0]?.deploymentName).toMatch(/ v8 twin$/);
  }, 180_000);
});
