import type { StageConfig } from '../../functions/shared/stage-config/schema';
import { CliError } from '../sre/executions';
import {
  accountOf,
  type Enrolment,
  fleetEnrolment,
  regionOf,
  tokenExchangeRoleAlias,
  twinEnrolment,
} from './names';

/**
 * What an operator runs on a new core device of a fleet (`edge-mlops devices bootstrap`):
 * the Greengrass installer with the fleet provisioning plugin and its config.yaml
 * (Greengrass developer guide, "Install AWS IoT Greengrass Core software with AWS IoT fleet
 * provisioning" and "Configure the AWS IoT fleet provisioning plugin"). The device then
 * registers itself with the claim certificate through the fleet's provisioning template,
 * joins the fleet's last wave and receives the wave's current deployment.
 */
export type Bootstrap = {
  /** The fleet the device joins; absent for a device of a twin. */
  fleet?: string;
  modelGroup: string;
  account: string;
  region: string;
  thingName: string;
  thingGroup: string;
  /** The fleet's wave the device joins (its last); absent for a device of a twin. */
  wave?: string;
  provisioningTemplate: string;
  roleAlias: string;
  configYaml: string;
  /** Writes configYaml to ./GreengrassInstaller/config.yaml; the shell fills in the host name. */
  writeConfigCommand: string;
  installCommand: string;
};

/** IoT thing names: 1–128 of [a-zA-Z0-9:_-] (IoT API reference, CreateThing). */
const THING_NAME = /^[a-zA-Z0-9:_-]{1,128}$/;

/** The fleet (`--fleet`) or the twin (`--twin <model group>`) a new device joins. */
export const enrolmentOf = (config: StageConfig, request: { fleet?: string; twin?: string }) => {
  if ((request.fleet === undefined) === (request.twin === undefined))
    throw new CliError(
      'give --fleet <name> (a device of a fleet) or --twin <model group> (a device of its twin), one of them',
    );
  return request.fleet !== undefined
    ? fleetEnrolment(config, request.fleet)
    : twinEnrolment(config, request.twin!);
};

export const bootstrapInstructions = (
  config: StageConfig,
  request: {
    fleet?: string;
    twin?: string;
    thingName?: string;
    endpoints: { iotDataEndpoint: string; iotCredentialEndpoint: string };
  },
): Bootstrap => {
  const join: Enrolment = enrolmentOf(config, request);
  // Without a name the shell that runs writeConfigCommand names the device after its host
  // (a host name, RFC 1123, is letters, digits and '-': a valid thing name).
  const thingName = request.thingName ?? `${join.prefix}-$(hostname -s)`;
  if (request.thingName !== undefined && !THING_NAME.test(request.thingName))
    throw new CliError(
      `--thing-name "${request.thingName}" is not an IoT thing name: 1-128 letters, digits, ':', '_' or '-'`,
    );
  const region = regionOf(join.groupArn);
  const root = '/greengrass/v2';
  const configYaml = [
    '---',
    'services:',
    '  aws.greengrass.Nucleus:',
    '    version: "2.13.0"',
    '  aws.greengrass.FleetProvisioningByClaim:',
    '    configuration:',
    `      rootPath: "${root}"`,
    `      awsRegion: "${region}"`,
    `      iotDataEndpoint: "${request.endpoints.iotDataEndpoint}"`,
    `      iotCredentialEndpoint: "${request.endpoints.iotCredentialEndpoint}"`,
    `      iotRoleAlias: "${tokenExchangeRoleAlias(config.stage)}"`,
    `      provisioningTemplate: "${join.templateName}"`,
    `      claimCertificatePath: "${root}/claim-certs/claim.pem.crt"`,
    `      claimCertificatePrivateKeyPath: "${root}/claim-certs/claim.private.pem.key"`,
    `      rootCaPath: "${root}/AmazonRootCA1.pem"`,
    '      templateParameters:',
    `        ThingName: "${thingName}"`,
    '',
  ].join('\n');
  // An unquoted here-document expands $(hostname -s); nothing else in the file has a '$'
  // (a given thing name cannot, THING_NAME), so the file is written exactly as shown.
  const writeConfigCommand = [
    'mkdir -p ./GreengrassInstaller',
    `cat > ./GreengrassInstaller/config.yaml <<EOF\n${configYaml}EOF`,
  ].join('\n');
  const installCommand = [
    `sudo -E java -Droot="${root}" -Dlog.store=FILE`,
    '  -jar ./GreengrassInstaller/lib/Greengrass.jar',
    '  --trusted-plugin ./GreengrassInstaller/aws.greengrass.FleetProvisioningByClaim.jar',
    '  --init-config ./GreengrassInstaller/config.yaml',
    '  --component-default-user ggc_user:ggc_group',
    '  --setup-system-service true',
  ].join(' \\\n');
  return {
    ...(join.fleet ? { fleet: join.fleet } : {}),
    modelGroup: join.modelGroup,
    account: accountOf(join.groupArn),
    region,
    thingName,
    thingGroup: join.groupName,
    ...(join.wave ? { wave: join.wave } : {}),
    provisioningTemplate: join.templateName,
    roleAlias: tokenExchangeRoleAlias(config.stage),
    configYaml,
    writeConfigCommand,
    installCommand,
  };
};

export const formatBootstrap = (b: Bootstrap) =>
  [
    b.fleet
      ? `# Core device for fleet ${b.fleet} (${b.modelGroup}), account ${b.account}, ${b.region}`
      : `# Core device for the twin of ${b.modelGroup}, account ${b.account}, ${b.region}`,
    `# Joins thing group ${b.thingGroup}${b.wave ? ` (wave ${b.wave})` : ''} through provisioning template ${b.provisioningTemplate}.`,
    '# 1. Put the claim certificate and key of that template in /greengrass/v2/claim-certs/,',
    '#    and AmazonRootCA1.pem in /greengrass/v2/ (docs/devices.md).',
    '# 2. Write ./GreengrassInstaller/config.yaml (paste into the shell as it is):',
    b.writeConfigCommand,
    '# 3. Run:',
    b.installCommand,
    '',
  ].join('\n');
