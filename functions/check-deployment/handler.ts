import { logger } from '../shared/logger';
import { clientsForTargets } from '../shared/target-clients';
import { withLambda } from '../shared/with-lambda';
import { type CheckDeploymentInput, checkDeployment } from './check-deployment';

const clientsFor = clientsForTargets();

export const handler = withLambda((input: CheckDeploymentInput) =>
  checkDeployment(input, { clientsFor, logger, now: () => new Date() }),
);
