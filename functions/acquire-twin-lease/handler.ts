import { systemClock } from '../shared/clock';
import { documentClient } from '../shared/dynamo-client';
import { requiredEnv } from '../shared/env';
import { logger } from '../shared/logger';
import { withLambda } from '../shared/with-lambda';
import { type AcquireTwinLeaseInput, acquireTwinLease } from './acquire-twin-lease';

const store = { dynamo: documentClient(), table: requiredEnv('STATE_TABLE') };

export const handler = withLambda((input: AcquireTwinLeaseInput) =>
  acquireTwinLease(input, { store, logger, now: systemClock }),
);
