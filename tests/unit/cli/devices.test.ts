import { bootstrapInstructions, formatBootstrap } from '../../../cli/devices/bootstrap';
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

  it('names the device after the host when no thing name is given', () => {
    const b = bootstrapInstructions(localStageConfig(), { fleet: 'field-rpi', endpoints });
    expect(b.thingName).toBe('field-rpi-$(hostname)');
    expect(b.thingGroup).toBe('field-rpi');
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

  it('refuses an account where the stage has no device', () => {
    expect(() => devicePrerequisitesTemplate(localStageConfig(), '999999999999')).toThrow(
      'stage local names no twin or wave thing group in account 999999999999; accounts: 000000000000',
    );
  });
});
