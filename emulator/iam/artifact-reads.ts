import type { DownloadFailure } from '../fleet';
import { authorize } from './evaluate';
import type { Statement } from './roles';

/**
 * Whether a core device can download a component artifact from S3, as AWS decides it.
 *
 * A Greengrass core device downloads S3 artifacts with the temporary credentials of its
 * token exchange role (the IAM role its AWS IoT role alias points to), in its own account
 * (Greengrass V2 developer guide, "Authorize core devices to interact with AWS services";
 * the default role, GreengrassV2TokenExchangeRole, has no S3 object access: "Allow access to
 * S3 buckets for component artifacts" tells users to add s3:GetObject). The nucleus first
 * asks the bucket's Region (GetBucketLocation), then HeadObject and GetObject (nucleus
 * S3Downloader; both object calls need s3:GetObject). When the bucket belongs to another
 * account, the bucket policy must allow the call too (IAM User Guide, "Cross account
 * resource access in IAM"; S3 API reference, GetBucketLocation: "In a bucket's home Region,
 * calls to the GetBucketLocation operation are governed by the bucket's policy").
 * Evaluated by @cloud-copilot/iam-simulate (evaluate.ts) with both policies.
 */
export const TOKEN_EXCHANGE_ROLE = 'GreengrassV2TokenExchangeRole';

/** GreengrassV2TokenExchangeRoleAccess as the installer creates it (nucleus 2.5.0 and later). */
export const TOKEN_EXCHANGE_ROLE_ACCESS: Statement = {
  Effect: 'Allow',
  Action: [
    'logs:CreateLogGroup',
    'logs:CreateLogStream',
    'logs:PutLogEvents',
    'logs:DescribeLogStreams',
    's3:GetBucketLocation',
  ],
  Resource: '*',
};

export type ArtifactAccess = {
  /** The account that owns every bucket (locally: the pipeline account). */
  bucketOwner: string;
  /** Bucket name → its bucket policy's statements (absent: the bucket has no policy). */
  bucketPolicies: Record<string, Statement[]>;
  /** Account → the statements of that account's token exchange role. */
  tokenExchangeStatements: Record<string, Statement[]>;
};

/**
 * A missing object as the nucleus reports it: S3 answers HeadObject for a key that does not
 * exist with 404 only to a caller that may also list the bucket (s3:ListBucket), else with 403
 * (S3 API reference, HeadObject, "Permissions"); the nucleus maps them to
 * S3_HEAD_OBJECT_RESOURCE_NOT_FOUND and S3_HEAD_OBJECT_ACCESS_DENIED (aws-greengrass-nucleus,
 * S3Downloader.getDownloadSize; DeploymentErrorCode gives their types).
 */
export const notFound = (reason: string): DownloadFailure => ({
  errorStack: [
    'DEPLOYMENT_FAILURE',
    'ARTIFACT_DOWNLOAD_ERROR',
    'S3_RESOURCE_NOT_FOUND',
    'S3_HEAD_OBJECT_RESOURCE_NOT_FOUND',
  ],
  errorTypes: ['DEPENDENCY_ERROR', 'REQUEST_ERROR'],
  reason,
});

/** The nucleus' error codes from least to most specific, as the guide's example hierarchy. */
const failure = (code: string, reason: string): DownloadFailure => ({
  errorStack: ['DEPLOYMENT_FAILURE', 'ARTIFACT_DOWNLOAD_ERROR', 'S3_ACCESS_DENIED', code],
  // Developer guide, "Detailed deployment error codes": S3 access denials are permission errors.
  errorTypes: ['PERMISSION_ERROR'],
  reason,
});

/**
 * The failure a device in `account` reports for the first artifact it cannot download, or
 * undefined when it can download them all. Every device of an account has the same role, so
 * they all fare the same.
 */
export const downloadFailure = async (
  access: ArtifactAccess,
  account: string,
  uris: string[],
  /** URIs whose object does not exist (any more). */
  missing: ReadonlySet<string> = new Set(),
): Promise<DownloadFailure | undefined> => {
  const role = `arn:aws:iam::${account}:role/${TOKEN_EXCHANGE_ROLE}`;
  // The credentials provider's session of the role (its name does not matter here).
  const session = `arn:aws:sts::${account}:assumed-role/${TOKEN_EXCHANGE_ROLE}/core-device`;
  const statements = access.tokenExchangeStatements[account] ?? [];
  const crossAccount = access.bucketOwner !== account;
  /** Why `action` on `resource` is refused (the identity policy first, then the bucket's). */
  const refused = async (bucket: string, action: string, resource: string) => {
    const check = [{ action, resource }];
    const identity = { principal: session, principalArn: role, principalAccount: account };
    const own = await authorize({ ...identity, statements }, check);
    if (!own.allowed) return `no identity-based policy of ${role} allows the ${action} action`;
    if (!crossAccount) return undefined;
    const policy = access.bucketPolicies[bucket];
    const both = await authorize(
      {
        ...identity,
        statements,
        resourceAccount: access.bucketOwner,
        resourcePolicy: policy ?? [],
      },
      check,
    );
    return both.allowed
      ? undefined
      : `no resource-based policy of bucket ${bucket} (account ${access.bucketOwner}) allows the ${action} action`;
  };
  for (const uri of uris) {
    const [, bucket, key] = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri) ?? [];
    if (!bucket || !key) continue;
    const location = await refused(bucket, 's3:GetBucketLocation', `arn:aws:s3:::${bucket}`);
    if (location)
      return failure(
        'S3_GET_BUCKET_LOCATION_ACCESS_DENIED',
        `Failed to determine S3 bucket location of ${uri}. GetBucketLocation returns 403 Access Denied: ${location} (token exchange role ${role})`,
      );
    const object = await refused(bucket, 's3:GetObject', `arn:aws:s3:::${bucket}/${key}`);
    if (object)
      return failure(
        'S3_HEAD_OBJECT_ACCESS_DENIED',
        `Failed to head artifact object ${uri} from S3. HeadObject returns 403 Access Denied: ${object} (token exchange role ${role})`,
      );
    if (!missing.has(uri)) continue;
    const list = await refused(bucket, 's3:ListBucket', `arn:aws:s3:::${bucket}`);
    if (list)
      return failure(
        'S3_HEAD_OBJECT_ACCESS_DENIED',
        `Failed to head artifact object ${uri} from S3. HeadObject returns 403 Access Denied: the object does not exist, and S3 says 404 only to a caller allowed s3:ListBucket (${list}; token exchange role ${role})`,
      );
    return notFound(
      `Failed to head artifact object ${uri} from S3. HeadObject returns 404 Resource Not Found: the object does not exist`,
    );
  }
  return undefined;
};

/**
 * What the operator sets up as docs/security.md ("Twins and fleets in other accounts") and
 * the Greengrass developer guide tell them, seeded by the emulator for each account that has
 * devices: the token exchange role with its default access policy plus s3:GetObject on the
 * compiled models and the inference code objects; and, on each inference code bucket (the
 * user's own, in the pipeline account), a bucket policy letting the device accounts locate
 * the bucket and read the code objects. The stack's own artifact bucket policy comes from
 * the template (scripts/serverless/artifact-readers.cjs), not from here.
 */
export const seededArtifactAccess = (input: {
  pipelineAccount: string;
  deviceAccounts: string[];
  /** Object ARNs the token exchange roles may read (compiled models, inference code). */
  artifactObjectArns: string[];
  /** The stack's artifact bucket and its policy as packaged (none: no cross-account role). */
  artifactBucket: { name: string; policy?: Statement[] };
  /** Inference code object ARNs (arn:aws:s3:::bucket/key). */
  codeObjectArns: string[];
}): ArtifactAccess => {
  const others = input.deviceAccounts.filter((a) => a !== input.pipelineAccount);
  const bucketPolicies: Record<string, Statement[]> = {};
  if (input.artifactBucket.policy)
    bucketPolicies[input.artifactBucket.name] = input.artifactBucket.policy;
  const byBucket = new Map<string, string[]>();
  for (const arn of input.codeObjectArns) {
    const bucket = arn.slice('arn:aws:s3:::'.length).split('/')[0]!;
    byBucket.set(bucket, [...(byBucket.get(bucket) ?? []), arn]);
  }
  if (others.length)
    for (const [bucket, objects] of byBucket) {
      const principal = { AWS: others.map((a) => `arn:aws:iam::${a}:root`) };
      bucketPolicies[bucket] = [
        {
          Sid: 'DeviceAccountsLocate',
          Effect: 'Allow',
          Principal: principal,
          Action: 's3:GetBucketLocation',
          Resource: `arn:aws:s3:::${bucket}`,
        },
        {
          Sid: 'DeviceAccountsRead',
          Effect: 'Allow',
          Principal: principal,
          Action: 's3:GetObject',
          Resource: objects,
        },
      ];
    }
  const tokenExchangeStatements = Object.fromEntries(
    input.deviceAccounts.map((account) => [
      account,
      [
        TOKEN_EXCHANGE_ROLE_ACCESS,
        { Effect: 'Allow', Action: 's3:GetObject', Resource: input.artifactObjectArns },
      ],
    ]),
  );
  return {
    bucketOwner: input.pipelineAccount,
    bucketPolicies,
    tokenExchangeStatements,
  };
};
