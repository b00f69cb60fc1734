import { randomBytes } from 'node:crypto';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { InvalidInput } from '../shared/errors';

/**
 * Rotation of the approval link signing key by a Lambda function, following the four
 * steps Secrets Manager invokes it with (Secrets Manager user guide, "Lambda rotation
 * functions", and the generic rotation template aws-samples/aws-secrets-manager-rotation-lambdas):
 *   createSecret  a new random key as the AWSPENDING version of this rotation's token;
 *   setSecret     nothing: no other system holds the key;
 *   testSecret    the pending key is there and long enough;
 *   finishSecret  AWSCURRENT moves to it, and Secrets Manager moves AWSPREVIOUS to the old
 *                 key, which the approval API keeps accepting for links signed before.
 * Every step is idempotent: Secrets Manager retries a failed step.
 */
export type RotationEvent = {
  SecretId: string;
  ClientRequestToken: string;
  Step: 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';
};

export type RotationDeps = {
  secrets: SecretsManagerClient;
  /** A new key: 64 URL-safe characters from 48 random bytes by default. */
  newKey?: () => string;
};

const MIN_KEY_LENGTH = 32;

const pendingValue = async (deps: RotationDeps, event: RotationEvent) => {
  try {
    const { SecretString } = await deps.secrets.send(
      new GetSecretValueCommand({
        SecretId: event.SecretId,
        VersionId: event.ClientRequestToken,
        VersionStage: 'AWSPENDING',
      }),
    );
    return SecretString;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
};

export const rotateSigningKey = async (event: RotationEvent, deps: RotationDeps) => {
  const { SecretId, ClientRequestToken: token, Step } = event;
  const secret = await deps.secrets.send(new DescribeSecretCommand({ SecretId }));
  if (!secret.RotationEnabled)
    throw new InvalidInput(`secret ${SecretId} is not enabled for rotation`);
  const versions = secret.VersionIdsToStages ?? {};
  const stages = versions[token];
  if (!stages) throw new InvalidInput(`secret ${SecretId} has no version ${token} to rotate to`);
  if (stages.includes('AWSCURRENT')) return { step: Step, done: 'already current' };
  if (!stages.includes('AWSPENDING'))
    throw new InvalidInput(`version ${token} of secret ${SecretId} is not AWSPENDING`);

  switch (Step) {
    case 'createSecret': {
      if ((await pendingValue(deps, event)) !== undefined) return { step: Step, done: 'exists' };
      const key = (deps.newKey ?? (() => randomBytes(48).toString('base64url')))();
      await deps.secrets.send(
        new PutSecretValueCommand({
          SecretId,
          ClientRequestToken: token,
          SecretString: key,
          VersionStages: ['AWSPENDING'],
        }),
      );
      return { step: Step, done: 'created' };
    }
    case 'setSecret':
      return { step: Step, done: 'nothing to set' };
    case 'testSecret': {
      const pending = await pendingValue(deps, event);
      if (!pending || pending.length < MIN_KEY_LENGTH)
        throw new InvalidInput(
          `pending signing key ${token} is missing or shorter than ${MIN_KEY_LENGTH} characters`,
        );
      return { step: Step, done: 'tested' };
    }
    case 'finishSecret': {
      const current = Object.entries(versions).find(([, s]) => s.includes('AWSCURRENT'))?.[0];
      await deps.secrets.send(
        new UpdateSecretVersionStageCommand({
          SecretId,
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: token,
          ...(current ? { RemoveFromVersionId: current } : {}),
        }),
      );
      return { step: Step, done: 'current' };
    }
    default:
      throw new InvalidInput(`unknown rotation step ${String(Step)}`);
  }
};
