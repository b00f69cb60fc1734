import type { StageConfig } from '../../functions/shared/stage-config/schema';
import type { Fleet } from '../fleet';
import { type ArtifactAccess, downloadFailure, seededArtifactAccess } from '../iam/artifact-reads';
import type { Statement } from '../iam/roles';
import { LOCAL_ACCOUNT, type LocalResource, resolveLocal } from '../local-stage';
import type { ArtifactReads } from '../services/greengrass';

/** What a start replaces of the seeded access: a bucket's policy, an account's token exchange role. */
export type ArtifactAccessOverrides = Partial<
  Pick<ArtifactAccess, 'bucketPolicies' | 'tokenExchangeStatements'>
>;

/**
 * The artifact downloads of each account's devices (emulator/iam/artifact-reads.ts): the
 * artifact bucket's policy as the template packages it, and what the operator sets up as
 * docs/security.md says (token exchange roles, the inference code bucket's policy), unless
 * the start options replace them. One answer per account and set of artifacts.
 */
export const artifactReadsOf = (
  config: StageConfig,
  derived: Record<string, any>,
  resources: Record<string, LocalResource>,
  fleet: Fleet,
  overrides: ArtifactAccessOverrides | undefined,
): ArtifactReads => {
  const bucket = resources.ArtifactBucket?.ref ?? 'artifacts';
  const policy = derived.artifactReaderResources?.Resources?.ArtifactBucketPolicy?.Properties
    ?.PolicyDocument?.Statement as Statement[] | undefined;
  const groups = Object.keys(config.modelGroups);
  // Inference code: the operator's own objects, and archives built from `source`, which live
  // in the artifact bucket (its policy is the template's, above, never a seeded one).
  const codeArns = resolveLocal(derived.codeArtifactArns, resources) as string[];
  const inArtifactBucket = (arn: string) => arn.startsWith(`arn:aws:s3:::${bucket}/`);
  const codeObjectArns = codeArns.filter((arn) => !inArtifactBucket(arn));
  const seeded = seededArtifactAccess({
    pipelineAccount: LOCAL_ACCOUNT,
    deviceAccounts: fleet.things.accounts(),
    artifactObjectArns: [
      ...groups.map((g) => `arn:aws:s3:::${bucket}/*/${g}/*/compiled/*`),
      ...codeArns,
    ],
    artifactBucket: {
      name: bucket,
      ...(policy ? { policy: resolveLocal(policy, resources) as Statement[] } : {}),
    },
    codeObjectArns,
  });
  const access: ArtifactAccess = {
    ...seeded,
    bucketPolicies: { ...seeded.bucketPolicies, ...overrides?.bucketPolicies },
    tokenExchangeStatements: {
      ...seeded.tokenExchangeStatements,
      ...overrides?.tokenExchangeStatements,
    },
  };
  return (account, uris, missing) => downloadFailure(access, account, uris, missing);
};
