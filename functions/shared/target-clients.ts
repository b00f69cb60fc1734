import { targetClientsFactory } from './assume-role';
import { greengrassClient, iotClient } from './clients';

/** Greengrass/IoT clients for our account, or for a profile's cross-account role. */
export const clientsForTargets = () =>
  targetClientsFactory({ greengrass: greengrassClient(), iot: iotClient() });
