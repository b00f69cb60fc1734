import { sfnClient } from '../shared/clients';
import { systemClock } from '../shared/clock';
import { documentClient } from '../shared/dynamo-client';
import { requiredEnv } from '../shared/env';
import { logger } from '../shared/logger';
import { withLambda } from '../shared/with-lambda';
import { type WatchWaveInput, watchWave } from './watch-wave';

const store = { dynamo: documentClient(), table: requiredEnv('STATE_TABLE') };
const sfn = sfnClient();

export const handler = withLambda((input: WatchWaveInput) =>
  watchWave(input, { store, sfn, logger, now: systemClock }),
);
