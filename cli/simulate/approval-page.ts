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

/** The text of an HTML attribute value as the page escaped it (functions/approval-api/page.ts). */
const unescapeHtml = (value: string) =>
  value
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&amp;', '&');

/**
 * Approves or rejects on the approval page exactly as a person would: GET the link, POST the
 * form with every hidden field the page put in it (the link's signed fields, a resent link's
 * issue time, the per-page form token against cross-site posts), as a browser submits it.
 */
export const decide = async (link: string, decision: 'approve' | 'reject', version: string) => {
  const url = new URL(link);
  const page = await fetchAsPerson(url);
  if (!page.ok) throw new Error(`approval page answered ${page.status}`);
  const html = await page.text();
  // The form of this decision (the approve and the reject form each name theirs in a hidden field).
  const forms = [...html.matchAll(/<form[^>]*>([\s\S]*?)<\/form>/g)].map(([, body]) =>
    [...body!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map(
      ([, name, value]) => [name!, unescapeHtml(value!)] as [string, string],
    ),
  );
  // A page that offers no decision (decided, stopped, superseded) has no form: the link's own
  // fields are posted, as a person replaying an old form would, and the answer says what happened.
  const hidden = forms.find((fields) =>
    fields.some(([name, value]) => name === 'decision' && value === decision),
  ) ?? [
    ...(['approver', 'exp', 'iat', 'sig'] as const).flatMap((name) => {
      const value = url.searchParams.get(name);
      return value === null ? [] : [[name, value] as [string, string]];
    }),
    ['formToken', /name="formToken" value="([^"]+)"/.exec(html)?.[1] ?? ''],
    ['decision', decision],
  ];
  const form = new URLSearchParams([
    ...hidden,
    ['confirmVersion', version],
    decision === 'reject'
      ? ['reason', 'rejected from edge-mlops simulate']
      : ['comment', 'approved from edge-mlops simulate'],
  ]);
  const res = await fetchAsPerson(new URL(`${url.pathname}/decision`, url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
  });
  return res.status;
};
