import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GreengrassV2Client } from '@aws-sdk/client-greengrassv2';
import { IoTClient } from '@aws-sdk/client-iot';
import { SFNClient } from '@aws-sdk/client-sfn';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import type { ApprovalStore } from '../../functions/shared/approval/store';
import type { TargetClients } from '../../functions/shared/assume-role';
import { CliError } from './cli-error';
import { type CommonOptions, clientConfig, stageOf } from './options';
import { findStateTable, stateStoreOf } from './state-table';

/** The clients and places an SRE command reads, from its shared options. */
export const sfnOf = (o: CommonOptions) => new SFNClient(clientConfig(o));

/** The state table of the stage (or `--table`), through the document client. */
export const stateStoreFor = async (
  o: CommonOptions & { table?: string },
): Promise<ApprovalStore> => {
  const dynamo = new DynamoDBClient(clientConfig(o));
  return stateStoreOf(dynamo, await findStateTable(dynamo, stageOf(o), o.table));
};

/**
 * Greengrass and IoT clients for a fleet: the caller's own account, or the fleet's
 * cross-account role (assumed once per command with the caller's credentials: the SDK's
 * AssumeRole, https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html).
 */
export const targetClientsFor = (o: CommonOptions) => {
  const own = clientConfig(o);
  const made = new Map<string, TargetClients>();
  return (roleArn: string | undefined): TargetClients => {
    const key = roleArn ?? '';
    let clients = made.get(key);
    if (!clients) {
      let assumed: Promise<AwsCredentialIdentity> | undefined;
      const credentials = roleArn
        ? () => {
            assumed ??= new STSClient(own)
              .send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'edge-mlops-cli' }))
              .then(({ Credentials: c }) => {
                if (!c?.AccessKeyId || !c.SecretAccessKey)
                  throw new CliError(`AssumeRole ${roleArn} returned no credentials`);
                return {
                  accessKeyId: c.AccessKeyId,
                  secretAccessKey: c.SecretAccessKey,
                  sessionToken: c.SessionToken,
                };
              });
            return assumed;
          }
        : undefined;
      const config = { ...own, ...(credentials ? { credentials } : {}) };
      clients = { greengrass: new GreengrassV2Client(config), iot: new IoTClient(config) };
      made.set(key, clients);
    }
    return clients;
  };
};
