import { documentClient } from '../shared/dynamo-client';
import { requiredEnv } from '../shared/env';
import { withLambda } from '../shared/with-lambda';
import { type RecordSmokeResponseInput, recordSmokeResponse } from './record-smoke-response';

const store = { dynamo: documentClient(), table: requiredEnv('STATE_TABLE') };

export const handler = withLambda((input: RecordSmokeResponseInput) =>
  recordSmokeResponse(input, { store }),
);
