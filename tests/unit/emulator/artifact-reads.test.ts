import {
  downloadFailure,
  seededArtifactAccess,
  TOKEN_EXCHANGE_ROLE_ACCESS,
} from '../../../emulator/iam/artifact-reads';
import type { Statement } from '../../../emulator/iam/roles';

/**
 * A core device downloads artifacts with its account's token exchange role; a bucket of
 * another account must allow it too (both policies, evaluated by iam-simulate).
 */
const PIPELINE = '000000000000';
const TWIN = '111111111111';
const MODEL = 's3://artifacts/local/defect-detector/7/jetson/compiled/model.tar.gz';
const CODE = 's3://code/defect-detector/inference-1.4.0.zip';
const seeded = (deviceAccounts: string[], bucketPolicy?: Statement[]) =>
  seededArtifactAccess({
    pipelineAccount: PIPELINE,
    deviceAccounts,
    artifactObjectArns: [
      'arn:aws:s3:::artifacts/*/defect-detector/*/compiled/*',
      'arn:aws:s3:::code/defect-detector/inference-1.4.0.zip',
    ],
    artifactBucket: { name: 'artifacts', ...(bucketPolicy ? { policy: bucketPolicy } : {}) },
    codeObjectArns: ['arn:aws:s3:::code/defect-detector/inference-1.4.0.zip'],
  });
/** The stack's artifact bucket policy for the twin account (scripts/serverless/artifact-readers.cjs). */
const STACK_POLICY: Statement[] = [
  {
    Effect: 'Allow',
    Principal: { AWS: [`arn:aws:iam::${TWIN}:root`] },
    Action: 's3:GetObject',
    Resource: 'arn:aws:s3:::artifacts/*/defect-detector/*/compiled/*',
  },
  {
    Effect: 'Allow',
    Principal: { AWS: [`arn:aws:iam::${TWIN}:root`] },
    Action: 's3:GetBucketLocation',
    Resource: 'arn:aws:s3:::artifacts',
  },
];

describe('artifact downloads of core devices', () => {
  it('lets devices of the pipeline account read with their token exchange role alone', async () => {
    // Act
    const failure = await downloadFailure(seeded([PIPELINE]), PIPELINE, [MODEL, CODE]);
    // Assess
    expect(failure).toBeUndefined();
  });

  it('lets devices of another account read when the bucket policies grant their account', async () => {
    // Act
    const failure = await downloadFailure(seeded([TWIN], STACK_POLICY), TWIN, [MODEL, CODE]);
    // Assess
    expect(failure).toBeUndefined();
  });

  it('fails at GetBucketLocation when the bucket policy of another account does not grant it', async () => {
    // Prepare: the artifact bucket grants the objects, not the bucket's location.
    const access = seeded([TWIN], [STACK_POLICY[0]!]);
    // Act
    const failure = await downloadFailure(access, TWIN, [MODEL]);
    // Assess
    expect(failure?.errorStack).toEqual([
      'DEPLOYMENT_FAILURE',
      'ARTIFACT_DOWNLOAD_ERROR',
      'S3_ACCESS_DENIED',
      'S3_GET_BUCKET_LOCATION_ACCESS_DENIED',
    ]);
    expect(failure?.errorTypes).toEqual(['PERMISSION_ERROR']);
    expect(failure?.reason).toContain(
      'no resource-based policy of bucket artifacts (account 000000000000) allows the s3:GetBucketLocation action',
    );
  });

  it('fails at HeadObject when the token exchange role has no s3:GetObject on the artifact', async () => {
    // Prepare: the role as the installer creates it, without the grant the docs ask for.
    const access = seeded([PIPELINE]);
    access.tokenExchangeStatements[PIPELINE] = [TOKEN_EXCHANGE_ROLE_ACCESS];
    // Act
    const failure = await downloadFailure(access, PIPELINE, [MODEL]);
    // Assess
    expect(failure?.errorStack.at(-1)).toBe('S3_HEAD_OBJECT_ACCESS_DENIED');
    expect(failure?.reason).toContain(
      'no identity-based policy of arn:aws:iam::000000000000:role/GreengrassV2TokenExchangeRole allows the s3:GetObject action',
    );
  });

  it('seeds a code bucket policy for the device accounts other than the bucket owner', () => {
    // Act
    const access = seeded([PIPELINE, TWIN]);
    // Assess
    expect(access.bucketPolicies.code).toEqual([
      expect.objectContaining({
        Action: 's3:GetBucketLocation',
        Principal: { AWS: [`arn:aws:iam::${TWIN}:root`] },
        Resource: 'arn:aws:s3:::code',
      }),
      expect.objectContaining({
        Action: 's3:GetObject',
        Resource: ['arn:aws:s3:::code/defect-detector/inference-1.4.0.zip'],
      }),
    ]);
    expect(access.bucketPolicies.artifacts).toBeUndefined();
  });

  it('reports a missing object as 404 Not Found to a role that may list the bucket', async () => {
    // Prepare: the pipeline account's devices, whose role may also list the bucket.
    const access = seeded([PIPELINE]);
    access.tokenExchangeStatements[PIPELINE]!.push({
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: 'arn:aws:s3:::artifacts',
    });
    // Act
    const failure = await downloadFailure(access, PIPELINE, [MODEL, CODE], new Set([MODEL]));
    // Assess
    expect(failure).toMatchObject({
      errorStack: [
        'DEPLOYMENT_FAILURE',
        'ARTIFACT_DOWNLOAD_ERROR',
        'S3_RESOURCE_NOT_FOUND',
        'S3_HEAD_OBJECT_RESOURCE_NOT_FOUND',
      ],
      errorTypes: ['DEPENDENCY_ERROR', 'REQUEST_ERROR'],
    });
    expect(failure?.reason).toContain(`${MODEL} from S3. HeadObject returns 404`);
  });

  it('reports a missing object as 403 Access Denied to a role that may not list the bucket, as S3 does', async () => {
    // Act
    const failure = await downloadFailure(seeded([PIPELINE]), PIPELINE, [MODEL], new Set([MODEL]));
    // Assess
    expect(failure?.errorStack).toEqual([
      'DEPLOYMENT_FAILURE',
      'ARTIFACT_DOWNLOAD_ERROR',
      'S3_ACCESS_DENIED',
      'S3_HEAD_OBJECT_ACCESS_DENIED',
    ]);
    expect(failure?.reason).toContain(
      'the object does not exist, and S3 says 404 only to a caller allowed s3:ListBucket',
    );
  });
});
