import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decide } from '../../cli/simulate';
import type { Emulator } from '../../emulator/emulator';
import { controlOf, runSimulation, startLocalEmulator } from '../helpers/local-mode';
import { until } from '../helpers/until';

/**
 * What runs where and what waits, on the local emulator through the real command line:
 * v7 is released; v8 waits at its approval. `approvals list`, `resend`, `executions explain`,
 * `fleets` and `releases` say so; the resent link decides; the rollout in flight shows per wave.
 */
const ROOT = join(__dirname, '../..');
const CLI = join(ROOT, 'cli/bin/edge-mlops.mjs');

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startLocalEmulator();
}, 60_000);
afterAll(() => emulator.close());

const cli = async (...args: string[]) => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [CLI, ...args, '--endpoint', emulator.url, '--json'],
    { cwd: ROOT, env: { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_ENDPOINT_URL: '' } },
  );
  return JSON.parse(stdout);
};

/** The sample event as version 8 of the same group, approved a little later. */
const versionEight = () => {
  const v7 = JSON.parse(readFileSync(join(ROOT, 'events/model-package-approved.json'), 'utf8'));
  const text = JSON.stringify(v7).replaceAll(
    'model-package/defect-detector/7',
    'model-package/defect-detector/8',
  );
  const event = JSON.parse(text);
  event.id = `${v7.id.slice(0, -4)}0008`;
  event.detail.ModelPackageVersion = 8;
  return event;
};

const approvalMail = (approver: string, version: number, after = 0) =>
  emulator.world.sns
    .slice(after)
    .find(
      (m) =>
        m.attributes.approver === approver &&
        m.message.includes(`defect-detector version ${version} passed`),
    );
const linkIn = (message: string) => /(http:\/\/\S+\/approvals\/\S+)/.exec(message)![1]!;

describe('what runs where and what waits, on the emulator', () => {
  it('lists the waiting approval, resends a link that decides, explains the wait, and shows fleets and releases', async () => {
    // Prepare: v7 released; v8 delivered and waiting at its approval.
    const v7 = await runSimulation({ approve: true, endpoint: emulator.url });
    expect(v7.status).toBe('SUCCEEDED');
    const control = controlOf(emulator.url);
    const event = versionEight();
    await control('seed', { event });
    const { deliveries } = await control('deliver', { event, times: 1 });
    const v8 = deliveries[0].result.executionName as string;
    await until('the approval e-mails of v8', () => approvalMail('bob@example.com', 8), 90_000);

    // Act 1: the approvals waiting, and a link sent again to bob.
    const listed = await cli('approvals', 'list');
    const approvalId = listed.approvals[0].approvalId as string;
    const mailsBefore = emulator.world.sns.length;
    const resent = await cli('approvals', 'resend', approvalId, 'bob@example.com');
    const explained = await cli('executions', 'explain', v8);
    const fleetsWaiting = await cli('fleets');
    const releasesWaiting = await cli('releases', 'defect-detector');

    // Assess 1
    expect(listed.approvals).toEqual([
      expect.objectContaining({
        status: 'PENDING',
        modelGroup: 'defect-detector',
        version: 8,
        execution: v8,
        approvers: [{ approver: 'alice@example.com' }, { approver: 'bob@example.com' }],
        quorum: 1,
        approved: 0,
        overdue: false,
      }),
    ]);
    const deadline = listed.approvals[0].deadline as string;
    expect(resent).toMatchObject({ sent: true, approvalId, approver: 'bob@example.com', deadline });
    const again = approvalMail('bob@example.com', 8, mailsBefore);
    expect(again?.message).toContain('Sent again at');
    expect(explained).toMatchObject({
      status: 'RUNNING',
      waitingForApproval: {
        approvalId,
        deadline,
        approvers: [{ approver: 'alice@example.com' }, { approver: 'bob@example.com' }],
        resend: `edge-mlops approvals resend ${approvalId} <approver>`,
      },
      suggestion: {
        action: 'none',
        command: `edge-mlops approvals resend ${approvalId} <approver>`,
      },
    });
    expect(fleetsWaiting.fleets).toEqual([
      expect.objectContaining({
        fleet: 'factory-jetson',
        runsNow: [{ version: 7, waves: ['canary', 'main'] }],
        lastGood: expect.objectContaining({ version: 7, execution: v7.executionName }),
      }),
      expect.objectContaining({
        fleet: 'field-rpi',
        runsNow: [{ version: 7, waves: ['all'] }],
        lastGood: expect.objectContaining({ version: 7 }),
      }),
    ]);
    expect(fleetsWaiting.fleets.every((f: { rollout?: unknown }) => !f.rollout)).toBe(true);
    expect(
      releasesWaiting.releases.map((r: { version: number; outcome: string }) => [
        r.version,
        r.outcome,
      ]),
    ).toEqual([
      [7, 'released'],
      [8, 'waiting for approval'],
    ]);
    expect(releasesWaiting.releases[0]).toMatchObject({
      approval: { approvedBy: [expect.objectContaining({ approver: 'alice@example.com' })] },
      fleets: [
        { fleet: 'factory-jetson', status: 'DEPLOYED' },
        { fleet: 'field-rpi', status: 'DEPLOYED' },
      ],
    });

    // Act 2: some devices are offline; bob approves with the resent link; the rollout starts.
    await control('options', { offlineRate: 0.4 });
    const status = await decide(linkIn(again!.message), 'approve', '8');
    const inFlight = await until(
      'the v8 rollout in flight on factory-jetson',
      async () => {
        const { fleets } = await cli('fleets', '--fleet', 'factory-jetson');
        return fleets[0].rollout?.waves.length ? fleets[0] : undefined;
      },
      90_000,
    );

    // Assess 2
    expect(status).toBe(200);
    expect(inFlight.rollout).toMatchObject({ execution: v8, version: 8 });
    const canary = inFlight.rollout.waves[0];
    expect(canary).toMatchObject({ wave: 'canary', version: 8 });
    expect(canary.counts.total).toBe(5);
    expect(
      canary.counts.succeeded +
        canary.counts.failed +
        canary.counts.inProgress +
        canary.counts.queued,
    ).toBe(5);
  }, 240_000);
});
