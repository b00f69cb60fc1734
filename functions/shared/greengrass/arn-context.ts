import { awsRegion } from '../clients';
import { optionalEnv, requiredEnv } from '../env';
import type { ComponentArnContext } from './register-component';

/** Partition, region and account of this deployment, for Greengrass component ARNs. */
export const arnContextFromEnv = (): ComponentArnContext => ({
  partition: optionalEnv('AWS_PARTITION') ?? 'aws',
  region: awsRegion(),
  accountId: requiredEnv('AWS_ACCOUNT_ID'),
});
