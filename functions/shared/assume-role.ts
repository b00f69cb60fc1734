import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import {
  awsRegion,
  type ClientOptions,
  greengrassClient,
  iotClient,
  iotDataClient,
} from './clients';

/**
 * Cross-account targets: the twin may live in a pre-production account and the fleets in
 * a production account. A profile names a role; the SDK's own provider assumes it, and
 * each client refreshes the credentials itself shortly before they expire.
 */
export const assumedCredentials = (roleArn: string, sessionName = 'edge-mlops') =>
  fromTemporaryCredentials({
    params: { RoleArn: roleArn, RoleSessionName: sessionName.slice(0, 64), DurationSeconds: 3600 },
    clientConfig: { region: awsRegion() },
  });

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

/** Clients are kept per role for the container's life, so their credentials are reused. */
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
