import { AwsError, epoch } from '../http';
import type { World } from '../world';

/** AWS Secrets Manager (AWS JSON 1.1): GetSecretValue of the secrets serverless.yml declares. */
export const secretsManager = (world: World) => ({
  GetSecretValue: async (body: { SecretId?: string }) => {
    const id = body.SecretId ?? '';
    const value = world.secrets.get(id);
    if (value === undefined)
      throw new AwsError(
        'ResourceNotFoundException',
        "Secrets Manager can't find the specified secret.",
      );
    return {
      ARN: id,
      Name: id.split(':').pop(),
      SecretString: value,
      VersionId: 'v1',
      VersionStages: ['AWSCURRENT'],
      CreatedDate: epoch(world.clock.now()),
    };
  },
});
