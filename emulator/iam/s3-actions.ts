import type { ApiRequest, Check } from './actions';

/** What S3 authorizes for a path-style request: the bucket or object action its method and query name. */
export const s3Checks = (req: NonNullable<ApiRequest['s3']>): Check[] => {
  const [, bucket, ...rest] = req.path.split('/');
  const key = rest.map(decodeURIComponent).join('/');
  const bucketArn = `arn:aws:s3:::${bucket}`;
  const m = req.method;
  if (!bucket) return [{ action: 's3:ListAllMyBuckets', resource: '*' }];
  if (!key) {
    if (req.query.has('location')) return [{ action: 's3:GetBucketLocation', resource: bucketArn }];
    if (m === 'PUT') return [{ action: 's3:CreateBucket', resource: bucketArn }];
    if (m === 'DELETE') return [{ action: 's3:DeleteBucket', resource: bucketArn }];
    if (req.query.has('versions'))
      return [{ action: 's3:ListBucketVersions', resource: bucketArn }];
    // s3:prefix is the request's prefix parameter, absent without one (Service Authorization
    // Reference, Amazon S3: ListBucket condition keys), so a policy can narrow listing.
    const prefix = req.query.get('prefix');
    return [
      {
        action: 's3:ListBucket',
        resource: bucketArn,
        ...(prefix === null ? {} : { context: { 's3:prefix': prefix } }),
      },
    ];
  }
  const objectArn = `${bucketArn}/${key}`;
  if (m === 'GET' || m === 'HEAD')
    return [
      {
        action: req.query.has('versionId') ? 's3:GetObjectVersion' : 's3:GetObject',
        resource: objectArn,
      },
    ];
  if (m === 'DELETE') return [{ action: 's3:DeleteObject', resource: objectArn }];
  const copy = req.copySource
    ? [
        {
          action: 's3:GetObject',
          resource: `arn:aws:s3:::${decodeURIComponent(req.copySource.replace(/^\//, '').split('?')[0]!)}`,
        },
      ]
    : [];
  return [{ action: 's3:PutObject', resource: objectArn }, ...copy];
};
