import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { type ClientOptions, greengrassClient, iotClient, iotDataClient } from './clients';
import { classifyAwsError } from './errors';

/**
 * Cross-account targets: the twin may live in a pre-production account and the fleets in
 * a production account. A profile names a role; we assume it and cache the credentials
 * across invocations until five minutes before they expire.
 */
const REFRESH_BEFORE_MS = 5 * 60 * 1000;
const cache = new Map<string, AwsCredentialIdentity>();
let sts: STSClient | undefined;

export const assumedCredentials =
  (roleArn: string, sessionName = 'edge-mlops', now: () => number = Date.now) =>
  async (): Promise<AwsCredentialIdentity> => {
    const cached = cache.get(roleArn);
    if (cached?.expiration && cached.expiration.getTime() - REFRESH_BEFORE_MS > now())
      return cached;
    sts ??= new STSClient({});
    try {
      const { Credentials: c } = await sts.send(
        new AssumeRoleCommand({
          RoleArn: roleArn,
          RoleSessionName: sessionName.slice(0, 64),
          DurationSeconds: 3600,
        }),
      );
      if (!c?.AccessKeyId || !c.SecretAccessKey)
        throw new Error(`AssumeRole ${roleArn} returned no credentials`);
      const credentials = {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: c.Expiration,
      };
      cache.set(roleArn, credentials);
      return credentials;
    } catch (error) {
      throw classifyAwsError(error, `AssumeRole ${roleArn}`);
    }
  };

/** Greengrass and IoT clients for a target: our own account, or the role's. */
export type TargetClients = {
  greengrass: ReturnType<typeof greengrassClient>;
  iot: ReturnType<typeof iotClient>;
  /**
   * MQTT publishes (twin smoke tests) reach devices only through the IoT endpoint of their
   * own account, so a role's clients always carry one; callers fall back to their own.
   */
  iotData?: ReturnType<typeof iotDataClient>;
};

const clientsByRole = new Map<string, TargetClients>();

export const targetClientsFactory =
  (own: TargetClients) =>
  (roleArn: string | undefined): TargetClients => {
    if (!roleArn) return own;
    let clients = clientsByRole.get(roleArn);
    if (!clients) {
      const options: ClientOptions = { credentials: assumedCredentials(roleArn) };
      clients = {
        greengrass: greengrassClient(options),
        iot: iotClient(options),
        iotData: iotDataClient(options),
      };
      clientsByRole.set(roleArn, clients);
    }
    return clients;
  };
