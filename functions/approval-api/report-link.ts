import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

/** How long a report link works: short, since it carries the page role's right to read. */
export const REPORT_LINK_SECONDS = 900;

/**
 * An HTTPS link to an `s3://` object that a browser can open for REPORT_LINK_SECONDS: a
 * presigned GetObject URL (SigV4 query authentication, signed with this function's role;
 * S3 user guide, "Sharing objects with presigned URLs": the URL grants what the signer may
 * do, and stops working at its expiry or when the signer's temporary credentials expire).
 */
export const reportLinker =
  (s3: S3Client) =>
  async (s3Uri: string): Promise<string> => {
    const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(s3Uri);
    if (!m) throw new Error(`not an s3:// location: ${s3Uri}`);
    return getSignedUrl(s3, new GetObjectCommand({ Bucket: m[1]!, Key: m[2]! }), {
      expiresIn: REPORT_LINK_SECONDS,
    });
  };
