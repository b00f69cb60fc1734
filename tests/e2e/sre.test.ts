import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { decide } from '../../cli/simulate';
import { explainExecution, redriveExecution } from '../../cli/sre/executions';
import type { Emulator } from '../../emulator/emulator';
import { runSimulation, startLocalEmulator } from '../helpers/local-mode';
import { until } from '../helpers/until';

/**
 * On call, locally: an outage of CreateDeployment fails an execution at Deploy To Twin after
 * its retries; the SRE explains it, the outage ends, the SRE redrives, the approver approves,
 * and the release completes — without a second compilation job or component version.
 */
const ROOT = join(__dirname, '../..');
const CLI = join(ROOT, 'cli/bin/edge-mlops.mjs');
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startLocalEmulator({
    failingOperations: ['greengrass.CreateDeployment'],
  });
}, 60_000);
afterAll(() => emulator.close());

describe('SRE CLI against the local emulator', () => {
  it('explains a failed execution, redrives it after the fix, and it succeeds without duplicate resources', async () => {
    // Prepare: the run fails at Deploy To Twin (its retries run out during the outage).
    const run = await runSimulation({ approve: true, endpoint: emulator.url });
    expect(run.status).toBe('FAILED');
    const sfn = new SFNClient({ endpoint: emulator.url, region: 'us-east-1', credentials });

    // Act 1: explain, through the real command line.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [CLI, 'executions', 'explain', run.executionName!, '--endpoint', emulator.url, '--json'],
      { env: { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_ENDPOINT_URL: '' } },
    );
    const explained = JSON.parse(stdout);
    // Assess 1
    expect(explained).toMatchObject({
      status: 'FAILED',
      failedState: 'Deploy To Twin',
      error: 'TransientError',
      redrivable: true,
      lastSuccessfulState: 'Register Inference Component',
      suggestion: {
        action: 'redrive',
        command: `edge-mlops executions redrive ${run.executionName}`,
      },
    });
    expect(explained.cause).toContain('unavailable (simulated outage)');

    // Act 2: the outage ends; redrive; the approver approves.
    emulator.world.options.failingOperations = [];
    const redriven = await redriveExecution(sfn, run.executionArn!);
    const approvalsBefore = emulator.world.sns.length;
    const message = await until('the approval e-mail of the redriven run', () =>
      emulator.world.sns
        .slice(approvalsBefore)
        .find((m) => m.attributes.approver === 'alice@example.com'),
    );
    await decide(/(http:\/\/\S+\/approvals\/\S+)/.exec(message.message)![1]!, 'approve', '7');
    const done = await until('the redriven execution to end', async () => {
      const d = await sfn.send(new DescribeExecutionCommand({ executionArn: run.executionArn }));
      return d.status === 'RUNNING' ? undefined : d;
    });

    // Assess 2
    expect(redriven).toMatchObject({ ok: true, action: 'redrive' });
    expect(done.status).toBe('SUCCEEDED');
    expect(done.redriveCount).toBe(1);
    expect([...emulator.world.compilationJobs.keys()]).toHaveLength(2);
    expect([...emulator.world.components.values()].map((c) => `${c.name}@${c.version}`)).toEqual([
      'com.example.defectdetector.model@1.0.7',
      'com.example.defectdetector.inference@1.4.0',
    ]);
    const ours = [...emulator.world.deployments.values()].filter(
      (d) => d.deploymentName !== 'plant baseline',
    );
    expect(ours.map((d) => d.targetArn.split('/').pop()).sort()).toEqual([
      'defect-detector-twin',
      'factory-jetson-canary',
      'factory-jetson-main',
      'field-rpi',
    ]);
    const again = await explainExecution(sfn, run.executionArn!);
    expect(again).toMatchObject({
      status: 'SUCCEEDED',
      redriveCount: 1,
      suggestion: { action: 'none' },
    });
  }, 120_000);
});
