import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { awsRegion } from '../shared/clients';
import { systemClock } from '../shared/clock';
import { logger } from '../shared/logger';
import { clientsForTargets } from '../shared/target-clients';
import { withLambda } from '../shared/with-lambda';
import { type CheckDeploymentInput, checkDeployment } from './check-deployment';

const clientsFor = clientsForTargets();
const cloudwatch = new CloudWatchClient({ region: awsRegion() });

export const handler = withLambda((input: CheckDeploymentInput) =>
  checkDeployment(input, { clientsFor, cloudwatch, logger, now: systemClock }),
);
