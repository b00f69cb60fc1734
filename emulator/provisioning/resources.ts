import { randomBytes } from 'node:crypto';
import type { dynamoBackend, s3Backend } from '../backends';
import type { LocalResource } from '../local-stage';
import type { ServiceDeclaration } from '../serverless-service';
import type { World } from '../world';

/** serverless.yml's `resources.Resources`: logical id → CloudFormation type and properties. */
export type DeclaredResources = Record<string, { Type: string; Properties?: any }>;

export const declaredResources = (service: ServiceDeclaration): DeclaredResources =>
  (service.raw.resources as { Resources: DeclaredResources }).Resources;

/**
 * Creates the tables, buckets, topics, queues and secrets serverless.yml declares, under
 * their local names. Returns the topic ARNs (SNS keeps no other state here).
 */
export const provisionResources = async (
  declared: DeclaredResources,
  resources: Record<string, LocalResource>,
  stores: {
    world: World;
    s3: ReturnType<typeof s3Backend>;
    dynamo: ReturnType<typeof dynamoBackend>;
  },
): Promise<Set<string>> => {
  const { world, s3, dynamo } = stores;
  const topics = new Set<string>();
  for (const [id, r] of Object.entries(resources)) {
    const props = declared[id]?.Properties ?? {};
    if (r.type === 'AWS::DynamoDB::Table') {
      await dynamo.createTable(
        r.ref,
        (props.KeySchema ?? []).map((k: { AttributeName: string; KeyType: 'HASH' | 'RANGE' }) => ({
          name: k.AttributeName,
          type: k.KeyType,
        })),
      );
    } else if (r.type === 'AWS::S3::Bucket') await s3.createBucket(r.ref);
    else if (r.type === 'AWS::SNS::Topic') topics.add(r.ref);
    else if (r.type === 'AWS::SQS::Queue') world.queues.set(r.attributes.QueueName!, []);
    else if (r.type === 'AWS::SecretsManager::Secret')
      world.secrets.set(r.ref, randomBytes(32).toString('hex'));
  }
  return topics;
};
