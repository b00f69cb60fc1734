import { Logger } from '@aws-lambda-powertools/logger';
import { CreateDeploymentCommand, GreengrassV2Client } from '@aws-sdk/client-greengrassv2';
import { IoTClient } from '@aws-sdk/client-iot';
import type { Emulator } from '../../emulator/emulator';
import { checkDeployment } from '../../functions/check-deployment/check-deployment';
import { log, median, round } from './stats';

const silent = new Logger({ serviceName: 'bench', logLevel: 'SILENT' });

/** 2. AWS calls per rollout status poll, at fleet sizes 10, 1,000 and 100,000. */
export const pollCost = async (emulator: Emulator, runs: number) => {
  const opts = {
    endpoint: emulator.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'b', secretAccessKey: 'b' },
  };
  const greengrass = new GreengrassV2Client(opts);
  const iot = new IoTClient(opts);
  const rows = [];
  for (const size of [10, 1_000, 100_000]) {
    const group = emulator.world.fleet.addGroup(`bench-${size}`, size);
    const { deploymentId } = await greengrass.send(
      new CreateDeploymentCommand({
        targetArn: group.arn,
        components: { 'aws.greengrass.Nucleus': { componentVersion: '2.12.6' } },
      }),
    );
    const times: number[] = [];
    let calls = 0;
    for (let i = 0; i < runs; i++) {
      const before = emulator.world.calls.length;
      const t = performance.now();
      await checkDeployment(
        {
          deployment: {
            deploymentId: deploymentId!,
            targetArn: group.arn,
            poll: { attempt: 0, waitSeconds: 15, deadline: '2099-01-01T00:00:00.000Z' },
          },
        },
        { clientsFor: () => ({ greengrass, iot }), logger: silent, now: () => new Date() },
      );
      times.push(performance.now() - t);
      calls = emulator.world.calls.length - before;
    }
    rows.push({ devices: size, awsCallsPerPoll: calls, pollMs: round(median(times)) });
    log(`poll at ${size} devices: ${calls} calls, ${round(median(times))} ms`);
  }
  return rows;
};

export type PollCost = Awaited<ReturnType<typeof pollCost>>;

/** The poll-cost section of docs/benchmarks.md. */
export const pollCostSection = (
  polls: PollCost,
) => `## Rollout monitoring: AWS calls per status poll
One \`Check Deployment\` poll of a thing-group deployment (GetDeployment + the IoT job's counters);
the baseline is the 10-device fleet.

| Devices | AWS calls per poll | Poll ms (emulator) | Calls vs 10 devices |
|---:|---:|---:|---:|
${polls.map((p) => `| ${p.devices.toLocaleString('en')} | ${p.awsCallsPerPoll} | ${p.pollMs} | ${round(p.awsCallsPerPoll / polls[0]!.awsCallsPerPoll, 2)}× |`).join('\n')}

`;
