'use strict';
/**
 * The artifact bucket's policy for twins and fleets in other accounts. A Greengrass
 * component version is registered in every account that deploys it (register-in-accounts.ts),
 * and its compiled-model artifact stays in our bucket: Greengrass reads it with the
 * registering caller's rights when the version is created (the deployer role), and each
 * core device downloads it with its token exchange role (Greengrass V2 developer guide,
 * "Authorize core devices to interact with AWS services": the token exchange role needs
 * s3:GetObject on the component artifacts' bucket). Both are principals of the target
 * account, so the bucket owner must allow that account here and the target account must
 * allow its roles in their identity policies (Amazon S3 user guide, "Example 2: Bucket
 * owner granting cross-account bucket permissions"); docs/security.md lists what the
 * operator adds there. One statement per model group, on that group's compiled models only
 * (<stage>/<group>/<version>/<target>/compiled/…, see resolve-model.ts; the bucket is the
 * stage's own) and, when the group's inference code is built from a folder, its archives
 * (<stage>/<group>/inference/…, functions/shared/greengrass/inference-artifact.ts), to the accounts of that group's deployer roles, and s3:GetBucketLocation on
 * the bucket to all of them. No cross-account role: no policy.
 */
const { parseArn } = require('./access-scopes.cjs');

const artifactReaderResources = (config) => {
  const statements = Object.entries(config.modelGroups).flatMap(([group, profile]) => {
    const roles = [profile.twin.roleArn, ...profile.fleets.map((f) => f.roleArn)].filter(Boolean);
    const accounts = [...new Set(roles.map((arn) => parseArn(arn).account))].sort();
    if (accounts.length === 0) return [];
    return [
      {
        Sid: `ComponentArtifacts${group.replace(/[^A-Za-z0-9]/g, '')}`,
        Effect: 'Allow',
        Principal: {
          AWS: accounts.map((account) => ({
            'Fn::Sub': `arn:\${AWS::Partition}:iam::${account}:root`,
          })),
        },
        Action: 's3:GetObject',
        Resource: profile.components.inference.source
          ? [
              { 'Fn::Sub': `\${ArtifactBucket.Arn}/*/${group}/*/compiled/*` },
              // The inference archives built from components.inference.source.
              { 'Fn::Sub': `\${ArtifactBucket.Arn}/${config.stage}/${group}/inference/*` },
            ]
          : { 'Fn::Sub': `\${ArtifactBucket.Arn}/*/${group}/*/compiled/*` },
      },
    ];
  });
  if (statements.length === 0) return {};
  // Core devices ask the bucket's Region before they download (GetBucketLocation, nucleus
  // S3Downloader), and in the bucket's home Region that call is governed by the bucket policy
  // (S3 API reference, GetBucketLocation): without this, a device of another account fails
  // with S3_GET_BUCKET_LOCATION_ACCESS_DENIED (Greengrass "Detailed deployment error codes").
  const accounts = [
    ...new Set(statements.flatMap((s) => s.Principal.AWS.map((p) => p['Fn::Sub']))),
  ].sort();
  statements.push({
    Sid: 'ComponentArtifactsBucketLocation',
    Effect: 'Allow',
    Principal: { AWS: accounts.map((arn) => ({ 'Fn::Sub': arn })) },
    Action: 's3:GetBucketLocation',
    Resource: { 'Fn::GetAtt': ['ArtifactBucket', 'Arn'] },
  });
  return {
    Resources: {
      ArtifactBucketPolicy: {
        Type: 'AWS::S3::BucketPolicy',
        Properties: {
          Bucket: { Ref: 'ArtifactBucket' },
          PolicyDocument: { Version: '2012-10-17', Statement: statements },
        },
      },
    },
  };
};

module.exports = { artifactReaderResources };
