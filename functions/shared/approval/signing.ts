import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Approval links: `<base>/approvals/<id>?approver=<who>&exp=<epoch seconds>&sig=<hmac>`.
 * The link carries an approval id and a signature, never the task token (which stays in
 * the approvals record). The HMAC covers id, approver and expiry, so none can be changed.
 * A link sent again (`edge-mlops approvals resend`) also carries its issue time (`iat`,
 * epoch seconds), signed too: it is a fresh link, while the ones sent before stay valid.
 */
export type LinkClaims = {
  approvalId: string;
  approver: string;
  expiresAt: number;
  issuedAt?: number;
};

const message = ({ approvalId, approver, expiresAt, issuedAt }: LinkClaims) =>
  issuedAt === undefined
    ? `edge-mlops-approval-v1\n${approvalId}\n${approver.toLowerCase()}\n${expiresAt}`
    : `edge-mlops-approval-v2\n${approvalId}\n${approver.toLowerCase()}\n${expiresAt}\n${issuedAt}`;

export const sign = (key: string, claims: LinkClaims): string =>
  createHmac('sha256', key).update(message(claims)).digest('base64url');

export const approvalLink = (baseUrl: string, key: string, claims: LinkClaims): string => {
  const query = new URLSearchParams({
    approver: claims.approver,
    exp: String(claims.expiresAt),
    ...(claims.issuedAt === undefined ? {} : { iat: String(claims.issuedAt) }),
    sig: sign(key, claims),
  });
  return `${baseUrl.replace(/\/+$/, '')}/approvals/${encodeURIComponent(claims.approvalId)}?${query}`;
};

export type Verdict =
  | { ok: true; claims: LinkClaims }
  | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired'; message: string };

/** True when `sig` is the signature of `claims` under one of `keys` (each compared in constant time). */
const signedByOneOf = (keys: readonly string[], claims: LinkClaims, sig: string): boolean => {
  const given = Buffer.from(sig, 'base64url');
  let matched = false;
  // Every key is tried, so the time taken does not tell which one matched.
  for (const key of keys) {
    const expected = Buffer.from(sign(key, claims), 'base64url');
    if (expected.length === given.length && timingSafeEqual(expected, given)) matched = true;
  }
  return matched;
};

/**
 * Checks a link's signature (in constant time) and then its expiry. A tampered id,
 * approver or expiry fails the signature; a genuine but old link is `expired`.
 * `key` may be the key ring of a rotated secret (current first, then previous): a link
 * signed before the rotation keeps working until it expires (see docs/security.md).
 */
export const verify = (
  key: string | readonly string[],
  input: { approvalId?: string; approver?: string; exp?: string; iat?: string; sig?: string },
  nowSeconds: number,
): Verdict => {
  const { approvalId, approver, exp, iat, sig } = input;
  if (
    !approvalId ||
    !approver ||
    !exp ||
    !sig ||
    !/^\d{1,12}$/.test(exp) ||
    (iat !== undefined && !/^\d{1,12}$/.test(iat)) ||
    !/^[A-Za-z0-9_-]{43}$/.test(sig)
  ) {
    return { ok: false, reason: 'malformed', message: 'This link is incomplete or damaged.' };
  }
  const claims: LinkClaims = {
    approvalId,
    approver,
    expiresAt: Number(exp),
    ...(iat === undefined ? {} : { issuedAt: Number(iat) }),
  };
  if (!signedByOneOf([key].flat(), claims, sig)) {
    return {
      ok: false,
      reason: 'bad-signature',
      message: 'This link is not valid: its signature does not match.',
    };
  }
  if (claims.expiresAt <= nowSeconds) {
    return { ok: false, reason: 'expired', message: 'This approval link has expired.' };
  }
  return { ok: true, claims };
};
