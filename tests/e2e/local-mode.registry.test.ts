import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SageMakerClient, UpdateModelPackageCommand } from '@aws-sdk/client-sagemaker';
import { DescribeExecutionCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { Emulator } from '../../emulator/emulator';
import { loadStageConfig } from '../../functions/shared/stage-config/load';

const ROOT = join(__dirname, '../..');
const event = JSON.parse(readFileSync(join(ROOT, 'events/model-package-approved.json'), 'utf8'));
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

const until = async <T>(
  what: string,
  probe: () => Promise<T | undefined>,
  ms = 60_000,
): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

let emulator: Emulator;
beforeAll(async () => {
  emulator = await Emulator.start({
    config: loadStageConfig(join(ROOT, 'config/local.yml')),
    configFile: join(ROOT, 'config/local.yml'),
  });
}, 60_000);
afterAll(() => emulator.close());

describe('local mode: the model registry changes its mind', () => {
  it('RejectedWhileWaitingAtApproval: the waiting execution ends as rejected, without production', async () => {
    // Prepare
    const control = (path: string, body: unknown) =>
      fetch(`${emulator.url}/_emulator/${path}`, {
        method: 'POST',
        body: JSON.stringify(body),
      }).then((r) => r.json() as Promise<any>);
    await control('seed', { event });
    const { deliveries } = await control('deliver', { event });
    const executionArn = deliveries[0].result.executionArn as string;
    await until('the approval request', async () =>
      emulator.world.sns.some((m) => m.subject?.startsWith('Approve defect-detector v7'))
        ? true
        : undefined,
    );
    // Act: someone rejects version 7 in the SageMaker Model Registry.
    const sagemaker = new SageMakerClient({
      endpoint: emulator.url,
      region: 'us-east-1',
      credentials,
    });
    await sagemaker.send(
      new UpdateModelPackageCommand({
        ModelPackageArn: event.detail.ModelPackageArn,
        ModelApprovalStatus: 'Rejected',
        ApprovalDescription: 'false positives on line 3',
      }),
    );
    // Assess
    const sfn = new SFNClient({ endpoint: emulator.url, region: 'us-east-1', credentials });
    const done = await until('the execution to end', async () => {
      const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return d.status === 'RUNNING' ? undefined : d;
    });
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('ApprovalRejected');
    expect(done.cause).toMatch(
      /^model package defect-detector v7 was rejected in the model registry at /,
    );
    // The token of the closed task is spent: Step Functions answers TaskTimedOut.
    const { DynamoDBClient, ScanCommand } = await import('@aws-sdk/client-dynamodb');
    const { unmarshall } = await import('@aws-sdk/util-dynamodb');
    const items =
      (
        await new DynamoDBClient({ endpoint: emulator.url, region: 'us-east-1', credentials }).send(
          new ScanCommand({ TableName: 'edge-mlops-local-state-table' }),
        )
      ).Items ?? [];
    const approval = items
      .map((i) => unmarshall(i))
      .find((i) => String(i.pk).startsWith('approval#'));
    expect(approval?.status).toBe('REJECTED');
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: approval!.taskToken, output: '{}' })),
    ).rejects.toMatchObject({ name: 'TaskTimedOut' });
    const waves = [...emulator.world.deployments.values()].filter(
      (d) => /factory|field/.test(d.targetArn) && d.deploymentName !== 'plant baseline',
    );
    expect(waves).toEqual([]);
  });
});
