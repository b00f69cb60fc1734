import { sleep } from './control';

/**
 * Fetches like a person at a browser: a page that answers 5xx (a passing AWS fault, or the
 * page's own "recorded, not resumed yet — retry") is loaded again a few times before giving up.
 */
const fetchAsPerson = async (url: URL, init?: RequestInit): Promise<Response> => {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(url, init);
    if (res.status < 500 || attempt === 5) return res;
    await sleep(200 * attempt);
  }
};

/** Approves or rejects on the approval page exactly as a person would: GET the link, POST the form. */
export const decide = async (link: string, decision: 'approve' | 'reject', version: string) => {
  const url = new URL(link);
  const page = await fetchAsPerson(url);
  if (!page.ok) throw new Error(`approval page answered ${page.status}`);
  // The page's per-page form token (cross-site defence), as a browser submits it.
  const formToken = /name="formToken" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
  const form = new URLSearchParams({
    formToken,
    approver: url.searchParams.get('approver') ?? '',
    exp: url.searchParams.get('exp') ?? '',
    sig: url.searchParams.get('sig') ?? '',
    decision,
    confirmVersion: version,
    ...(decision === 'reject'
      ? { reason: 'rejected from edge-mlops simulate' }
      : { comment: 'approved from edge-mlops simulate' }),
  });
  const res = await fetchAsPerson(new URL(`${url.pathname}/decision`, url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
  });
  return res.status;
};
