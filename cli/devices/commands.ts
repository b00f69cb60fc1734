import { DescribeEndpointCommand, IoTClient, RegisterThingCommand } from '@aws-sdk/client-iot';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { Command } from 'commander';
import { loadStageConfig } from '../../functions/shared/stage-config/load';
import { CliError } from '../sre/executions';
import { bootstrapInstructions, enrolmentOf, formatBootstrap } from './bootstrap';
import { accountOf, regionOf } from './names';
import { devicePrerequisitesTemplate } from './prerequisites';
import { enrolmentTemplateBody } from './provisioning-template';

/**
 * `edge-mlops devices …` (docs/devices.md): the prerequisites template of an account, the
 * bootstrap of a new core device, and (local mode) a simulated device joining its fleet.
 */
const clientOptions = (region: string, endpoint?: string) => ({
  region,
  ...(endpoint
    ? { endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
    : {}),
});
const iotClient = (region: string, endpoint?: string) =>
  new IoTClient(clientOptions(region, endpoint));

/**
 * DescribeEndpoint answers for the caller's account (IoT API reference: "Returns a unique
 * endpoint specific to the Amazon Web Services account making the call"), so the credentials
 * must be the fleet's account's, or the device would connect to another account's endpoint.
 */
const checkAccount = async (sts: STSClient, joining: string, account: string, region: string) => {
  const emulator = 'or --endpoint <url> of a running emulator';
  let caller: string | undefined;
  try {
    caller = (await sts.send(new GetCallerIdentityCommand({}))).Account;
  } catch (error) {
    if ((error as Error).name === 'CredentialsProviderError')
      throw new CliError(
        `devices bootstrap: no AWS credentials to look up the IoT endpoints of account ${account} (${region}): run it with credentials of that account (AWS_PROFILE or AWS_ACCESS_KEY_ID), ${emulator} (edge-mlops emulator)`,
      );
    throw error;
  }
  if (caller !== account)
    throw new CliError(
      `devices bootstrap: the AWS credentials are for account ${caller}, but ${joining} is in account ${account} (IoT endpoints are per account): run it with credentials of account ${account}, ${emulator}`,
    );
};

/** The account's IoT endpoints (IoT API reference, DescribeEndpoint: iot:Data-ATS, iot:CredentialProvider). */
const endpointsOf = async (iot: IoTClient) => {
  const of = async (endpointType: string) => {
    const out = await iot.send(new DescribeEndpointCommand({ endpointType }));
    if (!out.endpointAddress) throw new CliError(`DescribeEndpoint ${endpointType} returned none`);
    return out.endpointAddress;
  };
  return {
    iotDataEndpoint: await of('iot:Data-ATS'),
    iotCredentialEndpoint: await of('iot:CredentialProvider'),
  };
};

export const registerDeviceCommands = (program: Command, write: (text: string) => void) => {
  const devices = program.command('devices').description('onboard Greengrass core devices');
  devices
    .command('prerequisites')
    .description(
      'print the CloudFormation template of what core devices need in an account (role alias, IoT policies, thing groups, provisioning templates)',
    )
    .requiredOption('--account <id>', 'the twin or fleet account')
    .option('--config <file>', 'stage configuration', 'config/local.yml')
    .action((opts) => {
      const config = loadStageConfig(opts.config);
      write(`${JSON.stringify(devicePrerequisitesTemplate(config, opts.account), null, 2)}\n`);
    });
  devices
    .command('bootstrap')
    .description(
      'print the Greengrass installer command and provisioning config for a new device of a fleet',
    )
    .option('--fleet <name>', 'the fleet the device joins')
    .option('--twin <model group>', 'or: the model group whose twin the device joins')
    .option(
      '--thing-name <name>',
      "the device's thing name (default: <fleet>-$(hostname -s), filled in by the shell)",
    )
    .option('--config <file>', 'stage configuration', 'config/local.yml')
    .option('--endpoint <url>', 'a local emulator instead of AWS (its IoT endpoints)')
    .option('--json', 'print the instructions as one JSON object')
    .action(async (opts) => {
      const b = await bootstrapFor(opts);
      write(opts.json ? `${JSON.stringify(b)}\n` : formatBootstrap(b));
    });
  devices
    .command('join')
    .description(
      "local mode: a simulated device registers through its fleet's provisioning template and joins the fleet",
    )
    .option('--fleet <name>', 'the fleet the device joins')
    .option('--twin <model group>', 'or: the model group whose twin the device joins')
    .requiredOption('--thing-name <name>', "the device's thing name")
    .requiredOption('--endpoint <url>', 'the running emulator (edge-mlops emulator)')
    .option('--config <file>', 'stage configuration', 'config/local.yml')
    .action(async (opts) => {
      write(`${JSON.stringify(await joinFleet(opts))}\n`);
    });
};

/** The bootstrap of a device of a fleet or twin, with the endpoints of its account. */
export const bootstrapFor = async (opts: {
  fleet?: string;
  twin?: string;
  thingName?: string;
  config: string;
  endpoint?: string;
}) => {
  const config = loadStageConfig(opts.config);
  const request = {
    ...(opts.fleet === undefined ? {} : { fleet: opts.fleet }),
    ...(opts.twin === undefined ? {} : { twin: opts.twin }),
    ...(opts.thingName === undefined ? {} : { thingName: opts.thingName }),
  };
  // Bad input is refused before any call (the endpoints here are placeholders).
  bootstrapInstructions(config, {
    ...request,
    endpoints: { iotDataEndpoint: '', iotCredentialEndpoint: '' },
  });
  const join = enrolmentOf(config, request);
  const region = regionOf(join.groupArn);
  await checkAccount(
    new STSClient(clientOptions(region, opts.endpoint)),
    join.label,
    accountOf(join.groupArn),
    region,
  );
  return bootstrapInstructions(config, {
    ...request,
    endpoints: await endpointsOf(iotClient(region, opts.endpoint)),
  });
};

/**
 * What the fleet provisioning plugin does on the device's first connection, through the
 * control plane: RegisterThing with the provisioning template body of what it joins (IoT API
 * reference, RegisterThing), which creates the thing in its group.
 */
export const joinFleet = async (opts: {
  fleet?: string;
  twin?: string;
  thingName: string;
  endpoint: string;
  config: string;
}) => {
  const config = loadStageConfig(opts.config);
  const join = enrolmentOf(config, {
    ...(opts.fleet === undefined ? {} : { fleet: opts.fleet }),
    ...(opts.twin === undefined ? {} : { twin: opts.twin }),
  });
  const iot = iotClient(regionOf(join.groupArn), opts.endpoint);
  const out = await iot.send(
    new RegisterThingCommand({
      templateBody: JSON.stringify(enrolmentTemplateBody(config.stage, join)),
      parameters: { ThingName: opts.thingName, 'AWS::IoT::Certificate::Id': 'local-claim' },
    }),
  );
  return {
    thingName: opts.thingName,
    thingGroup: join.groupName,
    account: accountOf(join.groupArn),
    resourceArns: out.resourceArns ?? {},
  };
};
