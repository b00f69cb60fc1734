import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SageMakerClient, UpdateModelPackageCommand } from '@aws-sdk/client-sagemaker';
import { decide } from '../../cli/simulate';
import { Emulator } from '../../emulator/emulator';
import { loadStageConfig } from '../../functions/shared/stage-config/load';
import { ROOT, session, terminal } from './run';

/**
 * The runs behind every transcript of the docs. Commands that need the same world share one
 * emulator (the SRE views, the outage); each returns its blocks by id, as the docs mark them
 * (`<!-- transcript: <id> -->`). The emulator runs at 300× real time, as the end-to-end tests.
 */
const LOCAL_CONFIG = join(ROOT, 'config/local.yml');
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

const startEmulator = (failingOperations: string[] = []) =>
  Emulator.start({
    config: loadStageConfig(LOCAL_CONFIG),
    configFile: LOCAL_CONFIG,
    clockFactor: 300,
    failingOperations,
  });

const until = async <T>(what: string, probe: () => Promise<T | undefined> | T | undefined) => {
  const end = Date.now() + 180_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`transcripts: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
};

const control =
  (url: string) =>
  async (path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${url}/_emulator/${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!res.ok) throw new Error(`transcripts: ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };

const sampleEvent = () =>
  JSON.parse(readFileSync(join(ROOT, 'events/model-package-approved.json'), 'utf8'));

/** The sample event as a later version of the same group (its own event id and time). */
const versionEvent = (version: number) => {
  const event = sampleEvent();
  event.id = `${event.id.slice(0, -4)}${String(version).padStart(4, '0')}`;
  event.detail.ModelPackageVersion = version;
  event.detail.ModelPackageArn = event.detail.ModelPackageArn.replace(/\/7$/, `/${version}`);
  event.resources = [event.detail.ModelPackageArn];
  return event;
};

const executionEnded = (emulator: Emulator, name: string) =>
  until(`${name} to end`, () =>
    [...emulator.sfn.executions.values()].find((e) => e.name === name && e.status !== 'RUNNING'),
  );

/** `npm start` as a new user runs it, stdin not a terminal (docs/local-mode.md, "A real run"). */
export const npmStart = async () => ({
  'npm-start': await terminal().showCommand('npm', ['start']),
});

/** A failure-path example of the README: a wave aborts and every fleet is rolled back. */
export const rolloutAborted = async () => ({
  'rollout-aborted': await terminal().show([
    'simulate',
    '--approve',
    '--device-failure-rate',
    '0.3',
    '--fleet-size',
    '20',
  ]),
});

/** An SRE command with AWS_ENDPOINT_URL naming a port nobody listens on. */
export const endpointUnreachable = async () => {
  const port = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
  const url = `http://127.0.0.1:${port}`;
  const output = await terminal(undefined, { AWS_ENDPOINT_URL: url }).show(
    ['dlq', 'list'],
    `AWS_ENDPOINT_URL=${url} edge-mlops`,
  );
  return { 'endpoint-unreachable': output.replaceAll(String(port), '4599') };
};

/**
 * What runs where and what waits (docs/runbook.md, docs/approvals.md): v7 released; v8 waits
 * at its approval, is approved while 40 % of the devices are offline and released; v9 is
 * rejected at its approval; then v8 is rejected in the registry while live and rolled back.
 */
export const sreViews = async () => {
  const emulator = await startEmulator();
  const dir = mkdtempSync(join(tmpdir(), 'edge-mlops-transcripts-'));
  try {
    const sh = terminal(emulator.url);
    const ctl = control(emulator.url);
    const v7 = await sh.hidden(['simulate', '--endpoint', emulator.url, '--approve']);
    if (!/Result: SUCCEEDED/.test(v7)) throw new Error(`transcripts: v7 did not succeed:\n${v7}`);
    const fleetsBefore = await sh.show(['fleets']);

    const v8 = versionEvent(8);
    await ctl('seed', { event: v8 });
    const { deliveries } = (await ctl('deliver', { event: v8, times: 1 })) as {
      deliveries: { result: { executionName: string } }[];
    };
    const v8Execution = deliveries[0]!.result.executionName;
    const mailOf = (approver: string) =>
      emulator.world.sns.find(
        (m) =>
          m.attributes.approver === approver &&
          m.message.includes('defect-detector version 8 passed'),
      );
    const aliceMail = await until('the approval e-mail of v8', () => mailOf('alice@example.com'));
    const link = /(http:\/\/\S+\/approvals\/\S+)/.exec(aliceMail.message)![1]!;
    const approvalId = /\/approvals\/([0-9a-f]+)/.exec(link)![1]!;
    const pending = session(
      await sh.show(['approvals', 'list']),
      await sh.show(['approvals', 'show', approvalId]),
      await sh.show(['approvals', 'resend', approvalId, 'bob@example.com']),
      await sh.show(['approvals', 'resend', approvalId, 'eve@example.com']),
    );
    const waiting = await sh.show(['executions', 'explain', v8Execution]);

    await ctl('options', { offlineRate: 0.4 });
    const status = await decide(link, 'approve', '8');
    if (status !== 200) throw new Error(`transcripts: the approval page answered ${status}`);
    const fleetsDuring = await until('the v8 rollout in flight', async () => {
      const shown = await sh.show(['fleets']);
      // The canary wave under way, the main wave not reached yet.
      return /rolling out v8/.test(shown) && /main +waiting for its turn/.test(shown)
        ? shown
        : undefined;
    });
    const v8Done = await executionEnded(emulator, v8Execution);
    if (v8Done.status !== 'SUCCEEDED')
      throw new Error(`transcripts: v8 ended ${v8Done.status}, not SUCCEEDED`);
    const decided = await sh.show(['approvals', 'show', approvalId]);
    await ctl('options', { offlineRate: 0 });

    const v9File = join(dir, 'v9.json');
    writeFileSync(v9File, JSON.stringify(versionEvent(9)));
    await sh.hidden(['simulate', '--endpoint', emulator.url, '--event', v9File, '--reject']);
    const sagemaker = new SageMakerClient({
      endpoint: emulator.url,
      region: 'us-east-1',
      credentials,
    });
    await sagemaker.send(
      new UpdateModelPackageCommand({
        ModelPackageArn: v8.detail.ModelPackageArn,
        ModelApprovalStatus: 'Rejected',
      }),
    );
    sagemaker.destroy();
    await until('the rollback of v8', () =>
      [...emulator.sfn.executions.values()].find(
        (e) => e.name.startsWith('rollback-defect-detector-v8') && e.status !== 'RUNNING',
      ),
    );
    return {
      'sre-fleets': session(fleetsBefore, fleetsDuring),
      'sre-releases': await sh.show(['releases', 'defect-detector']),
      'sre-waiting': waiting,
      'approvals-pending': pending,
      'approvals-decided': decided,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await emulator.close();
  }
};

/**
 * A failed execution and the dead-letter queue (docs/runbook.md): a Greengrass outage fails the
 * release at Deploy To Twin; list, explain; the outage ends; redrive. Then a malformed event
 * reaches the dead-letter queue; list, replay.
 */
export const outage = async () => {
  const emulator = await startEmulator(['greengrass.CreateDeployment']);
  try {
    const sh = terminal(emulator.url);
    const ctl = control(emulator.url);
    const simulated = await sh.show(['simulate', '--endpoint', emulator.url, '--approve']);
    const name = /Execution: (\S+)/.exec(simulated)?.[1];
    if (!name) throw new Error(`transcripts: no execution in\n${simulated}`);
    const failed = session(
      simulated,
      await sh.show(['executions', 'list', '--status', 'failed', '--since', '24h']),
      await sh.show(['executions', 'explain', name]),
    );
    await ctl('options', { failingOperations: [] });
    const redriven = session(
      await sh.show([
        'executions',
        'redrive',
        '--all',
        '--status',
        'FAILED',
        '--since',
        '24h',
        '--dry-run',
      ]),
      await sh.show(['executions', 'redrive', name]),
      await sh.show(['executions', 'list', '--since', '24h']),
    );
    const malformed = JSON.parse(
      readFileSync(join(ROOT, 'events/malformed-model-package-event.json'), 'utf8'),
    );
    await ctl('deliver', { event: malformed });
    await until('the malformed event in the dead-letter queue', () =>
      emulator.world.queues.get('edge-mlops-local-ingest-dlq')?.length ? true : undefined,
    );
    const dlq = session(
      await sh.show(['dlq', 'list']),
      await sh.show(['dlq', 'replay', '--all', '--yes']),
    );
    // The redriven execution waits at its approval: reject it, so that no timer of its callback
    // task outlives the emulator and keeps this process (or jest) running.
    const mail = await until('the approval e-mail of v7', () =>
      emulator.world.sns.find((m) => m.attributes.approver === 'alice@example.com'),
    );
    await decide(/(http:\/\/\S+\/approvals\/\S+)/.exec(mail.message)![1]!, 'reject', '7');
    await executionEnded(emulator, name);
    return { 'outage-failed': failed, 'outage-redrive': redriven, 'outage-dlq': dlq };
  } finally {
    await emulator.close();
  }
};

/** The ids generateTranscripts returns, for checks that do not run it. */
export const TRANSCRIPT_IDS = [
  'npm-start',
  'rollout-aborted',
  'endpoint-unreachable',
  'sre-fleets',
  'sre-releases',
  'sre-waiting',
  'approvals-pending',
  'approvals-decided',
  'outage-failed',
  'outage-redrive',
  'outage-dlq',
];

/**
 * Every transcript of the docs by id, from real runs. Two lanes side by side, each one run after
 * the other: the embedded runs (`npm start`, the aborted rollout, no endpoint) and the worlds on
 * an emulator of our own; much of a run is waiting on the virtual clock, so this halves the time.
 */
export const generateTranscripts = async (): Promise<Record<string, string>> => {
  const [embedded, worlds] = await Promise.all([
    (async () => ({
      ...(await npmStart()),
      ...(await rolloutAborted()),
      ...(await endpointUnreachable()),
    }))(),
    (async () => ({ ...(await sreViews()), ...(await outage()) }))(),
  ]);
  return { ...embedded, ...worlds };
};
