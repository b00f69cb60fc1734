/**
 * A presigned S3 URL works from its X-Amz-Date for X-Amz-Expires seconds; after that S3
 * answers 403 AccessDenied "Request has expired" (Amazon S3 User Guide, "Download and upload
 * objects with presigned URLs"; "Authenticating Requests: Using Query Parameters (AWS
 * Signature Version 4)"). s3rver judges this by the computer's clock, but local URLs are
 * signed with the emulator's clock, which runs ahead: so the emulator judges it itself.
 */
export const presignedUrlExpiresAt = (query: URLSearchParams): number | undefined => {
  const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(query.get('X-Amz-Date') ?? '');
  const expires = Number(query.get('X-Amz-Expires') ?? Number.NaN);
  if (!date || !Number.isFinite(expires)) return undefined;
  const [, y, mo, d, h, mi, s] = date.map(Number) as number[];
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!) + expires * 1000;
};

export const PRESIGNED_URL_EXPIRED = 'Request has expired';
