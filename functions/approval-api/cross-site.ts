import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Cross-site request defences of the decision form. Browsers send `Sec-Fetch-Site` and
 * `Origin` on a form POST (Fetch Metadata, https://www.w3.org/TR/fetch-metadata/; OWASP CSRF
 * cheat sheet): a POST whose `Sec-Fetch-Site` is not `same-origin`, or whose `Origin` is not
 * this API's own, never decides. Non-browser clients send neither; they still need the
 * per-page form token, which only a rendered page carries.
 */
export const crossSiteRefusal = (
  headers: Record<string, string | undefined>,
): string | undefined => {
  const site = headers['sec-fetch-site'];
  if (site && site !== 'same-origin')
    return `the request came from another site (Sec-Fetch-Site: ${site})`;
  const origin = headers.origin;
  // Our pages send `Referrer-Policy: no-referrer`, under which browsers send `Origin: null`
  // on a form POST; then Sec-Fetch-Site (above) and the form token decide.
  if (origin !== undefined && origin !== 'null') {
    let originHost: string | undefined;
    try {
      originHost = new URL(origin).host;
    } catch {
      originHost = undefined;
    }
    if (!headers.host || originHost !== headers.host)
      return `the request came from another origin (${origin})`;
  }
  return undefined;
};

/** A form token lives this long: time enough to read the evidence before deciding. */
export const FORM_TOKEN_SECONDS = 12 * 3600;

const mac = (key: string, approvalId: string, approver: string, issued: string, nonce: string) =>
  createHmac('sha256', key)
    .update(
      `edge-mlops-approval-form-v1\n${approvalId}\n${approver.toLowerCase()}\n${issued}\n${nonce}`,
    )
    .digest('base64url');

/** A fresh token for one rendered page: `<issued>.<nonce>.<hmac>`, bound to approval and approver. */
export const formToken = (
  key: string,
  approvalId: string,
  approver: string,
  nowSeconds: number,
) => {
  const issued = String(nowSeconds);
  const nonce = randomBytes(12).toString('base64url');
  return `${issued}.${nonce}.${mac(key, approvalId, approver, issued, nonce)}`;
};

export const checkFormToken = (
  key: string,
  token: string | undefined,
  approvalId: string,
  approver: string,
  nowSeconds: number,
): string | undefined => {
  const [issued, nonce, sig, extra] = (token ?? '').split('.');
  if (!issued || !nonce || !sig || extra !== undefined || !/^\d{1,12}$/.test(issued))
    return 'the form token is missing: open your link and use the form on the page';
  const expected = Buffer.from(mac(key, approvalId, approver, issued, nonce));
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return 'the form token does not match this approval';
  const age = nowSeconds - Number(issued);
  if (age < -300 || age > FORM_TOKEN_SECONDS)
    return 'the page is too old: open your link again and decide on the fresh page';
  return undefined;
};
