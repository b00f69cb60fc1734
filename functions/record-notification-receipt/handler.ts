import type { SNSEvent } from 'aws-lambda';
import { systemClock } from '../shared/clock';
import { documentClient } from '../shared/dynamo-client';
import { requiredEnv } from '../shared/env';
import { logger } from '../shared/logger';
import { withLambda } from '../shared/with-lambda';
import { recordReceipts } from './record-receipt';

const store = { dynamo: documentClient(), table: requiredEnv('STATE_TABLE') };

export const handler = withLambda((event: SNSEvent) =>
  recordReceipts(event, { store, logger, now: systemClock }),
);
