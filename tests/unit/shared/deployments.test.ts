import {
  CreateDeploymentCommand,
  GetDeploymentCommand,
  GreengrassV2Client,
  ListDeploymentsCommand,
} from '@aws-sdk/client-greengrassv2';
import { mockClient } from 'aws-sdk-client-mock';
import { mergeComponents, safeDeploy } from '../../../functions/shared/greengrass/deployments';
import { silentLogger } from '../../helpers/fixtures';

const greengrass = mockClient(GreengrassV2Client);
const TARGET = 'arn:aws:iot:us-east-1:000000000000:thinggroup/factory-jetson-canary';
const MODEL = 'com.example.defectdetector.model';
const INFERENCE = 'com.example.defectdetector.inference';
const current = {
  'aws.greengrass.Nucleus': {
    componentVersion: '2.12.6',
    configurationUpdate: { merge: '{"mqtt":{"keepAliveTimeoutMs":60000}}' },
  },
  'com.other-team.telemetry': { componentVersion: '3.1.0' },
  [MODEL]: { componentVersion: '1.0.6' },
  [INFERENCE]: { componentVersion: '1.4.0' },
};
const ours = { [MODEL]: { componentVersion: '1.0.7' }, [INFERENCE]: { componentVersion: '1.4.0' } };

beforeEach(() => greengrass.reset());

describe('mergeComponents', () => {
  it('changes only our components and keeps the Nucleus pin and other teams components untouched', () => {
    // Act
    const { components, diff } = mergeComponents(current, ours, [MODEL, INFERENCE]);
    // Assess
    expect(components).toEqual({
      'aws.greengrass.Nucleus': current['aws.greengrass.Nucleus'],
      'com.other-team.telemetry': { componentVersion: '3.1.0' },
      [MODEL]: { componentVersion: '1.0.7' },
      [INFERENCE]: { componentVersion: '1.4.0' },
    });
    expect(diff).toEqual({
      added: [],
      changed: [{ name: MODEL, from: '1.0.6', to: '1.0.7' }],
      removed: [],
      kept: [
        { name: 'aws.greengrass.Nucleus', version: '2.12.6' },
        { name: 'com.other-team.telemetry', version: '3.1.0' },
        { name: INFERENCE, version: '1.4.0' },
      ],
    });
  });

  it('adds our components to a target that never had them', () => {
    // Act
    const { diff } = mergeComponents(
      { 'aws.greengrass.Nucleus': { componentVersion: '2.12.6' } },
      ours,
      [MODEL, INFERENCE],
    );
    // Assess
    expect(diff.added.map((c) => c.name)).toEqual([MODEL, INFERENCE]);
  });

  it('removes owned components that a rollback to "nothing" no longer lists', () => {
    // Act
    const { components, diff } = mergeComponents(current, {}, [MODEL, INFERENCE]);
    // Assess
    expect(Object.keys(components)).toEqual(['aws.greengrass.Nucleus', 'com.other-team.telemetry']);
    expect(diff.removed.map((c) => c.name)).toEqual([MODEL, INFERENCE]);
  });
});

describe('safeDeploy', () => {
  const request = {
    targetArn: TARGET,
    deploymentName: 'edge-mlops test',
    purpose: 'wave:a:b',
    ours,
    owned: [MODEL, INFERENCE],
  };

  it('reads the current deployment, then creates one with the merged set and a ROLLBACK policy', async () => {
    // Prepare
    greengrass
      .on(ListDeploymentsCommand)
      .resolves({ deployments: [{ deploymentId: 'd-old', isLatestForTarget: true }] });
    greengrass
      .on(GetDeploymentCommand)
      .resolves({ deploymentId: 'd-old', deploymentStatus: 'ACTIVE', components: current });
    greengrass.on(CreateDeploymentCommand).resolves({ deploymentId: 'd-new' });
    // Act
    const result = await safeDeploy(new GreengrassV2Client({}), silentLogger(), request);
    // Assess
    expect(result).toMatchObject({ deploymentId: 'd-new', created: true });
    expect(greengrass).toHaveReceivedCommandWith(ListDeploymentsCommand, {
      targetArn: TARGET,
      historyFilter: 'LATEST_ONLY',
    });
    const input = greengrass.commandCalls(CreateDeploymentCommand)[0]!.args[0].input;
    expect(input.components?.['aws.greengrass.Nucleus']).toEqual(current['aws.greengrass.Nucleus']);
    expect(input.components?.[MODEL]).toEqual({ componentVersion: '1.0.7' });
    expect(input.deploymentPolicies?.failureHandlingPolicy).toBe('ROLLBACK');
    expect(input.clientToken).toMatch(/^[a-zA-Z0-9-]{1,64}$/);
  });

  it('creates nothing when the target already runs exactly the merged set (a rerun or replay)', async () => {
    // Prepare
    const merged = { ...current, [MODEL]: { componentVersion: '1.0.7' } };
    greengrass
      .on(ListDeploymentsCommand)
      .resolves({ deployments: [{ deploymentId: 'd-new', isLatestForTarget: true }] });
    greengrass
      .on(GetDeploymentCommand)
      .resolves({ deploymentId: 'd-new', deploymentStatus: 'ACTIVE', components: merged });
    // Act
    const result = await safeDeploy(new GreengrassV2Client({}), silentLogger(), request);
    // Assess
    expect(result).toMatchObject({ deploymentId: 'd-new', created: false });
    expect(greengrass).not.toHaveReceivedCommand(CreateDeploymentCommand);
  });

  it('gives the same client token to a retry, and a new one on top of a failed identical deployment', async () => {
    // Prepare
    greengrass
      .on(ListDeploymentsCommand)
      .resolves({ deployments: [{ deploymentId: 'd-old', isLatestForTarget: true }] });
    greengrass
      .on(GetDeploymentCommand)
      .resolves({ deploymentId: 'd-old', deploymentStatus: 'ACTIVE', components: current });
    greengrass.on(CreateDeploymentCommand).resolves({ deploymentId: 'd-new' });
    await safeDeploy(new GreengrassV2Client({}), silentLogger(), request);
    await safeDeploy(new GreengrassV2Client({}), silentLogger(), request);
    greengrass
      .on(ListDeploymentsCommand)
      .resolves({ deployments: [{ deploymentId: 'd-failed', isLatestForTarget: true }] });
    greengrass.on(GetDeploymentCommand).resolves({
      deploymentId: 'd-failed',
      deploymentStatus: 'FAILED',
      components: { ...current, [MODEL]: { componentVersion: '1.0.7' } },
    });
    // Act
    await safeDeploy(new GreengrassV2Client({}), silentLogger(), request);
    // Assess
    const tokens = greengrass
      .commandCalls(CreateDeploymentCommand)
      .map((c) => c.args[0].input.clientToken);
    expect(tokens[0]).toBe(tokens[1]);
    expect(tokens[2]).not.toBe(tokens[0]);
  });

  it('throws TransientError when Greengrass throttles', async () => {
    // Prepare
    greengrass.on(ListDeploymentsCommand).rejects(
      Object.assign(new Error('slow'), {
        name: 'ThrottlingException',
        $metadata: { httpStatusCode: 429 },
      }),
    );
    // Act & Assess
    await expect(
      safeDeploy(new GreengrassV2Client({}), silentLogger(), request),
    ).rejects.toMatchObject({ name: 'TransientError' });
  });
});
