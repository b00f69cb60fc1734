import { logger } from '../shared/logger';
import { clientsForTargets } from '../shared/target-clients';
import { withLambda } from '../shared/with-lambda';
import { type DeployToTwinInput, deployToTwin } from './deploy-to-twin';

const clientsFor = clientsForTargets();

export const handler = withLambda((input: DeployToTwinInput) =>
  deployToTwin(input, { clientsFor, logger, now: () => new Date() }),
);
