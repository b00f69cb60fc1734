import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { awsRegion } from '../shared/clients';
import { withLambda } from '../shared/with-lambda';
import { type RotationEvent, rotateSigningKey } from './rotate-signing-key';

const deps = { secrets: new SecretsManagerClient({ region: awsRegion() }) };

export const handler = withLambda((event: RotationEvent) => rotateSigningKey(event, deps));
