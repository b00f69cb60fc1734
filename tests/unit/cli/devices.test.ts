import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeEndpointCommand, IoTClient } from '@aws-sdk/client-iot';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { bootstrapInstructions, formatBootstrap } from '../../../cli/devices/bootstrap';
import { bootstrapFor } from '../../../cli/devices/commands';
import { provisioningTemplateName, twinProvisioningTemplateName } from '../../../cli/devices/names';
import { devicePrerequisitesTemplate } from '../../../cli/devices/prerequisites';
import { localStageConfig } from '../../helpers/fixtures';

const endpoints = {
  iotDataEndpoint: 'a000000-ats.iot.us-east-1.amazonaws.com',
  iotCredentialEndpoint: 'c000000.credentials.iot.us-east-1.amazonaws.com',
};

describe('edge-mlops devices bootstrap', () => {
  it("prints the installer and the fleet provisioning config of the fleet's account", () => {
    // Act
    const b = bootstrapInstructions(localStageConfig(), {
      fleet: 'factory-jetson',
      thingName: 'jetson-042',
      endpoints,
    });
    // Assess
    expect(b).toMatchObject({
      fleet: 'factory-jetson',
      modelGroup: 'defect-detector',
      account: '000000000000',
      region: 'us-east-1',
      thingName: 'jetson-042',
      thingGroup: 'factory-jetson-main',
      wave: 'main',
      provisioningTemplate: 'edge-mlops-local-factory-jetson',
      roleAlias: 'edge-mlops-local-token-exchange',
    });
    expect(b.configYaml).toContain('  aws.greengrass.FleetProvisioningByClaim:');
    for (const line of [
      'iotDataEndpoint: "a000000-ats.iot.us-east-1.amazonaws.com"',
      'iotCredentialEndpoint: "c000000.credentials.iot.us-east-1.amazonaws.com"',
      'iotRoleAlias: "edge-mlops-local-token-exchange"',
      'provisioningTemplate: "edge-mlops-local-factory-jetson"',
      'ThingName: "jetson-042"',
    ])
      expect(b.configYaml).toContain(line);
    expect(b.installCommand).toContain(
      '--trusted-plugin ./GreengrassInstaller/aws.greengrass.FleetProvisioningByClaim.jar',
    );
    expect(formatBootstrap(b)).toContain(b.installCommand);
  });

  it('names the device after the host when no thing name is given, in a config written by the shell', () => {
    const b = bootstrapInstructions(localStageConfig(), { fleet: 'field-rpi', endpoints });
    expect(b.thingName).toBe('field-rpi-$(hostname -s)');
    expect(b.thingGroup).toBe('field-rpi');
    // Pasted into a shell, step 2 writes config.yaml with the host's name in it: a file saved
    // by hand would keep "$(hostname)" literally, which IoT refuses as a thing name.
    const dir = mkdtempSync(join(tmpdir(), 'bootstrap-'));
    try {
      execFileSync('bash', ['-c', b.writeConfigCommand], { cwd: dir });
      const written = readFileSync(join(dir, 'GreengrassInstaller/config.yaml'), 'utf8');
      const host = execFileSync('hostname', ['-s']).toString().trim();
      expect(written).toContain(`ThingName: "field-rpi-${host}"`);
      expect(written).not.toContain('$(');
      expect(written).toBe(b.configYaml.replace('$(hostname -s)', host));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(formatBootstrap(b)).toContain(b.writeConfigCommand);
  });

  it('writes a given thing name as it is', () => {
    const b = bootstrapInstructions(localStageConfig(), {
      fleet: 'field-rpi',
      thingName: 'rpi-7',
      endpoints,
    });
    const dir = mkdtempSync(join(tmpdir(), 'bootstrap-'));
    try {
      execFileSync('bash', ['-c', b.writeConfigCommand], { cwd: dir });
      expect(readFileSync(join(dir, 'GreengrassInstaller/config.yaml'), 'utf8')).toBe(b.configYaml);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an empty thing name instead of falling back to the host name', () => {
    expect(() =>
      bootstrapInstructions(localStageConfig(), { fleet: 'field-rpi', thingName: '', endpoints }),
    ).toThrow('--thing-name "" is not an IoT thing name');
  });

  it("bootstraps a device of a model group's twin with --twin", () => {
    const b = bootstrapInstructions(localStageConfig(), {
      twin: 'defect-detector',
      thingName: 'twin-3',
      endpoints,
    });
    expect(b).toMatchObject({
      modelGroup: 'defect-detector',
      thingGroup: 'defect-detector-twin',
      provisioningTemplate: twinProvisioningTemplateName('local', 'defect-detector'),
    });
    expect(b.fleet).toBeUndefined();
    expect(b.wave).toBeUndefined();
    expect(formatBootstrap(b)).toContain(
      '# Core device for the twin of defect-detector, account 000000000000, us-east-1',
    );
  });

  it('wants exactly one of --fleet and --twin, and a twin that is a thing group', () => {
    const one =
      'give --fleet <name> (a device of a fleet) or --twin <model group> (a device of its twin), one of them';
    expect(() => bootstrapInstructions(localStageConfig(), { endpoints })).toThrow(one);
    expect(() =>
      bootstrapInstructions(localStageConfig(), {
        fleet: 'field-rpi',
        twin: 'defect-detector',
        endpoints,
      }),
    ).toThrow(one);
    expect(() => bootstrapInstructions(localStageConfig(), { twin: 'nope', endpoints })).toThrow(
      'no model group "nope" in stage local (model groups: defect-detector)',
    );
    const config = localStageConfig();
    config.modelGroups['defect-detector']!.twin.targetArn =
      'arn:aws:iot:us-east-1:000000000000:thing/twin-1';
    expect(() => bootstrapInstructions(config, { twin: 'defect-detector', endpoints })).toThrow(
      'the twin of defect-detector is one thing (arn:aws:iot:us-east-1:000000000000:thing/twin-1), not a thing group',
    );
  });

  it('refuses an unknown fleet, listing the known ones, and a thing name IoT refuses', () => {
    expect(() => bootstrapInstructions(localStageConfig(), { fleet: 'nope', endpoints })).toThrow(
      'no fleet "nope" in stage local (fleets: factory-jetson, field-rpi)',
    );
    expect(() =>
      bootstrapInstructions(localStageConfig(), {
        fleet: 'field-rpi',
        thingName: 'bad name!',
        endpoints,
      }),
    ).toThrow('--thing-name "bad name!" is not an IoT thing name');
  });
});

describe('devices bootstrap against an account', () => {
  const iot = mockClient(IoTClient);
  const sts = mockClient(STSClient);
  const config = 'config/local.yml';
  beforeEach(() => {
    iot.reset();
    sts.reset();
    iot
      .on(DescribeEndpointCommand, { endpointType: 'iot:Data-ATS' })
      .resolves({ endpointAddress: endpoints.iotDataEndpoint })
      .on(DescribeEndpointCommand, { endpointType: 'iot:CredentialProvider' })
      .resolves({ endpointAddress: endpoints.iotCredentialEndpoint });
  });
  afterAll(() => {
    iot.restore();
    sts.restore();
  });

  it("uses the endpoints of the fleet's account when the credentials are that account's", async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Account: '000000000000' });
    const b = await bootstrapFor({ fleet: 'field-rpi', thingName: 'rpi-7', config });
    expect(b.configYaml).toContain(`iotDataEndpoint: "${endpoints.iotDataEndpoint}"`);
  });

  it('refuses an empty --thing-name instead of falling back to the host name', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Account: '000000000000' });
    await expect(bootstrapFor({ fleet: 'field-rpi', thingName: '', config })).rejects.toThrow(
      '--thing-name "" is not an IoT thing name',
    );
  });

  it('refuses credentials of another account: its endpoints would send the device elsewhere', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Account: '111111111111' });
    await expect(bootstrapFor({ fleet: 'field-rpi', config })).rejects.toThrow(
      'devices bootstrap: the AWS credentials are for account 111111111111, but fleet field-rpi is in account 000000000000 (IoT endpoints are per account): run it with credentials of account 000000000000, or --endpoint <url> of a running emulator',
    );
    expect(iot.commandCalls(DescribeEndpointCommand)).toHaveLength(0);
  });

  it('says what to do without AWS credentials', async () => {
    const missing = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    sts.on(GetCallerIdentityCommand).rejects(missing);
    await expect(bootstrapFor({ fleet: 'factory-jetson', config })).rejects.toThrow(
      'devices bootstrap: no AWS credentials to look up the IoT endpoints of account 000000000000 (us-east-1): run it with credentials of that account (AWS_PROFILE or AWS_ACCESS_KEY_ID), or --endpoint <url> of a running emulator (edge-mlops emulator)',
    );
  });
});

describe('edge-mlops devices prerequisites', () => {
  const template = devicePrerequisitesTemplate(localStageConfig(), '000000000000');
  const resources = template.Resources as Record<string, { Type: string; Properties: any }>;
  const ofType = (type: string) => Object.values(resources).filter((r) => r.Type === type);

  it('creates the token exchange role for the IoT credentials provider, and its alias', () => {
    const role = resources.TokenExchangeRole!;
    expect(role.Properties.AssumeRolePolicyDocument.Statement[0].Principal).toEqual({
      Service: 'credentials.iot.amazonaws.com',
    });
    expect(resources.TokenExchangeRoleAlias!.Properties.RoleAlias).toBe(
      'edge-mlops-local-token-exchange',
    );
    const statements = role.Properties.Policies[0].PolicyDocument.Statement;
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: ['s3:PutObject'],
      Resource: ['arn:aws:s3:::edge-mlops-local-capture/capture/defect-detector/*'],
    });
  });

  it("lets the twin's devices read the smoke test's sample images (the inference component fetches them)", () => {
    const statements = resources.TokenExchangeRole!.Properties.Policies[0].PolicyDocument.Statement;
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: ['s3:GetObject'],
      Resource: [
        'arn:aws:s3:::edge-mlops-local-code/samples/scratch.jpg',
        'arn:aws:s3:::edge-mlops-local-code/samples/clean.jpg',
        'arn:aws:s3:::edge-mlops-local-code/samples/dent.jpg',
        'arn:aws:s3:::edge-mlops-local-code/samples/clean-2.jpg',
      ],
    });
  });

  it('creates the thing groups of the twin and every wave in the account', () => {
    expect(
      ofType('AWS::IoT::ThingGroup')
        .map((g) => g.Properties.ThingGroupName)
        .sort(),
    ).toEqual([
      'defect-detector-twin',
      'factory-jetson-canary',
      'factory-jetson-main',
      'field-rpi',
    ]);
  });

  it('registers devices per fleet into its last wave with the core device policy', () => {
    const templates = ofType('AWS::IoT::ProvisioningTemplate');
    expect(templates.map((t) => t.Properties.TemplateName)).toEqual([
      'edge-mlops-local-factory-jetson',
      'edge-mlops-local-field-rpi',
      twinProvisioningTemplateName('local', 'defect-detector'),
    ]);
    const body = JSON.parse(templates[0]!.Properties.TemplateBody);
    expect(body.Resources.Thing.Properties.ThingGroups).toEqual(['factory-jetson-main']);
    expect(body.Resources.Policy.Properties.PolicyName).toBe('edge-mlops-local-core-device');
    expect(body.Resources.Certificate.Properties.CertificateId).toEqual({
      Ref: 'AWS::IoT::Certificate::Id',
    });
    const claim = resources.ClaimPolicy!.Properties.PolicyDocument.Statement;
    expect(JSON.stringify(claim)).toContain(
      '$aws/provisioning-templates/edge-mlops-local-field-rpi/provision/*',
    );
  });

  it('names provisioning templates within what IoT accepts (1-36 of [0-9A-Za-z_-]), however long the stage and fleet', () => {
    expect(provisioningTemplateName('local', 'field-rpi')).toBe('edge-mlops-local-field-rpi');
    const long = [
      provisioningTemplateName('production-eu-central', 'factory-jetson-berlin-2'),
      provisioningTemplateName('production-eu-central', 'factory-jetson-berlin-3'),
    ];
    for (const name of long) expect(name).toMatch(/^[0-9A-Za-z_-]{1,36}$/);
    expect(long[0]).not.toBe(long[1]);
    expect(provisioningTemplateName('production-eu-central', 'factory-jetson-berlin-2')).toBe(
      long[0],
    );
  });

  it("registers the twin's devices into the twin's group through a template of their own", () => {
    const name = twinProvisioningTemplateName('local', 'defect-detector');
    const twin = ofType('AWS::IoT::ProvisioningTemplate').find(
      (t) => t.Properties.TemplateName === name,
    )!;
    const body = JSON.parse(twin.Properties.TemplateBody);
    expect(body.Resources.Thing.Properties.ThingGroups).toEqual(['defect-detector-twin']);
    expect(body.Resources.Thing.Properties.AttributePayload).toEqual({ twin: 'defect-detector' });
    expect(JSON.stringify(resources.ClaimPolicy!.Properties.PolicyDocument)).toContain(
      `$aws/provisioning-templates/${name}/provision/*`,
    );
  });

  it('refuses an account where the stage has no device', () => {
    expect(() => devicePrerequisitesTemplate(localStageConfig(), '999999999999')).toThrow(
      'stage local names no twin or wave thing group in account 999999999999; accounts: 000000000000',
    );
  });
});
