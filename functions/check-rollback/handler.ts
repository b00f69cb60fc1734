import { Metrics } from '@aws-lambda-powertools/metrics';
import { systemClock } from '../shared/clock';
import { logger } from '../shared/logger';
import { clientsForTargets } from '../shared/target-clients';
import { withLambda } from '../shared/with-lambda';
import { type CheckRollbackInput, checkRollback } from './check-rollback';

const clientsFor = clientsForTargets();
const metrics = new Metrics({ namespace: 'edge-mlops', serviceName: 'check-rollback' });

export const handler = withLambda(
  (input: CheckRollbackInput) =>
    checkRollback(input, { clientsFor, logger, metrics, now: systemClock }),
  { metrics },
);
