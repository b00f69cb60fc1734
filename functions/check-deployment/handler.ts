import { awsRegion } from '../shared/clients';
import { systemClock } from '../shared/clock';
import { logger } from '../shared/logger';
import { onFirstUse } from '../shared/on-first-use';
import { clientsForTargets } from '../shared/target-clients';
import { withLambda } from '../shared/with-lambda';
import { type CheckDeploymentInput, checkDeployment } from './check-deployment';

const clientsFor = clientsForTargets();
/**
 * Only a bake with a metric analysis reads CloudWatch, so its SDK module is loaded by that
 * first read, not in the Init of every cold start (issue 16, P1).
 */
const cloudwatch = onFirstUse(async () => {
  const { CloudWatchClient } = await import('@aws-sdk/client-cloudwatch');
  return new CloudWatchClient({ region: awsRegion() });
});

export const handler = withLambda((input: CheckDeploymentInput) =>
  checkDeployment(input, { clientsFor, cloudwatch, logger, now: systemClock }),
);
