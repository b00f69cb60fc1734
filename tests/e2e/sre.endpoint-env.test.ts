import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Emulator } from '../../emulator/emulator';
import { controlOf, startLocalEmulator } from '../helpers/local-mode';
import { until } from '../helpers/until';

/**
 * The SRE commands pointed at the emulator the way `edge-mlops emulator` tells you to: through
 * AWS_ENDPOINT_URL, not --endpoint. An SQS client without an explicit endpoint sends each
 * request to the host of the queue URL, so the emulator must answer GetQueueUrl with a URL (as
 * AWS does), not a bare name: `dlq list` used to end in a TypeError trace.
 */
const ROOT = join(__dirname, '../..');
const CLI = join(ROOT, 'cli/bin/edge-mlops.mjs');

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startLocalEmulator();
}, 60_000);
afterAll(() => emulator.close());

const env = () => ({
  ...process.env,
  AWS_ENDPOINT_URL: emulator.url,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
});

describe('SRE commands with AWS_ENDPOINT_URL', () => {
  it('GetQueueUrl answers a URL on the emulator, as AWS answers a queue URL', async () => {
    // Act
    const { QueueUrl } = await new SQSClient({
      endpoint: emulator.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }).send(new GetQueueUrlCommand({ QueueName: 'edge-mlops-local-ingest-dlq' }));
    // Assess
    expect(QueueUrl).toBe(`${emulator.url}/000000000000/edge-mlops-local-ingest-dlq`);
  });

  it('dlq list shows a dead-lettered event, without a trace', async () => {
    // Prepare: a malformed event fails start-pipeline three times and is dead-lettered.
    const event = JSON.parse(
      readFileSync(join(ROOT, 'events/malformed-model-package-event.json'), 'utf8'),
    );
    await controlOf(emulator.url)('deliver', { event });
    await until('the dead letter', () =>
      emulator.world.queues.get('edge-mlops-local-ingest-dlq')?.length ? true : undefined,
    );
    // Act
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [CLI, 'dlq', 'list', '--json'],
      { cwd: ROOT, env: env() },
    );
    // Assess
    expect(stderr).not.toMatch(/TypeError|Invalid URL|at /);
    expect(JSON.parse(stdout).deadLetters).toEqual([
      expect.objectContaining({ eventId: event.id, error: 'InvalidEvent' }),
    ]);
  });
});

describe('dlq replay says what it did not find', () => {
  const run = (...args: string[]) =>
    promisify(execFile)(process.execPath, [CLI, 'dlq', 'replay', ...args], {
      cwd: ROOT,
      env: env(),
    }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );

  it('refuses a message id that is not in the queue, replaying nothing', async () => {
    // Act
    const unknown = await run('no-such-message', '--yes');
    // Assess
    expect(unknown).toMatchObject({
      code: 2,
      stderr:
        'edge-mlops: not in the dead-letter queue: no-such-message (edge-mlops dlq list shows what is there); nothing was replayed\n',
    });
  });
});

describe('exit codes of the command line (docs/runbook.md)', () => {
  const cli = (...args: string[]) =>
    promisify(execFile)(process.execPath, [CLI, ...args], { cwd: ROOT, env: env() }).then(
      () => 0,
      (e: { code: number }) => e.code,
    );

  it('a usage error is 2, like an access error; --help is 0', async () => {
    expect(await cli('executions', 'list', '--status', 'bogus')).toBe(2);
    expect(await cli('emulator', '--port', 'abc')).toBe(2);
    expect(await cli('simulate', '--approve', '--reject')).toBe(2);
    expect(await cli('releases')).toBe(2);
    expect(await cli('fleets', '--help')).toBe(0);
  });
});
