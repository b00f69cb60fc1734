import { createHash } from 'node:crypto';

/**
 * The pages of the approval API: self-contained HTML (no external asset), rendered by pure
 * functions. The only script is the one below, allowed by its hash: it shows times in the
 * reader's own time zone; without it the page shows them in UTC.
 */
const STYLE = `
body{font:15px/1.45 system-ui,sans-serif;margin:0;background:#f5f6f8;color:#1d2330}
main{max-width:880px;margin:24px auto;background:#fff;padding:24px 32px;border-radius:8px;box-shadow:0 1px 3px #0002}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:24px 0 8px;border-bottom:1px solid #e3e6ea;padding-bottom:4px}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:4px 8px;border-bottom:1px solid #eef0f3;vertical-align:top}
.pass{color:#0a7a32;font-weight:600}.fail{color:#b3261e;font-weight:600}.muted{color:#5b6372}
code{background:#f0f2f5;padding:1px 4px;border-radius:3px;word-break:break-all}
form{display:inline-block;vertical-align:top;margin:8px 24px 8px 0;padding:12px 16px;border:1px solid #e3e6ea;border-radius:6px;min-width:300px}
label{display:block;margin:6px 0 2px}input[type=text],textarea{width:100%;box-sizing:border-box;padding:6px;font:inherit}
button{margin-top:10px;padding:8px 18px;font:inherit;border:0;border-radius:5px;cursor:pointer;color:#fff}
#approve{background:#0a7a32}#reject{background:#b3261e}#retry{background:#1a56c4}.banner{padding:12px 16px;border-radius:6px;margin:12px 0}
.ok{background:#e6f4ea}.bad{background:#fce8e6}.info{background:#e8f0fe}
.better{color:#0a7a32}.worse{color:#b3261e}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
ul.plain{margin:4px 0 8px;padding-left:20px}`;

export const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

/** Adds the reader's local time after each `<time data-local>` (which shows UTC). */
const SCRIPT = `for(const t of document.querySelectorAll('time[data-local]')){const d=new Date(t.dateTime);if(!isNaN(d))t.insertAdjacentText('afterend',' — your time: '+d.toLocaleString(undefined,{weekday:'short',year:'numeric',month:'short',day:'numeric',hour:'2-digit',minute:'2-digit',timeZoneName:'short'}))}`;

export const SCRIPT_HASH = createHash('sha256').update(SCRIPT).digest('base64');

/** Strict headers for every response: no caching, no framing, no external anything. */
export const SECURITY_HEADERS: Record<string, string> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; script-src 'sha256-${SCRIPT_HASH}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export const escapeHtml = (value: unknown): string =>
  String(value ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');

export const layout = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main>${body}</main><script>${SCRIPT}</script></body></html>`;

/** A UTC time that the page's script also shows in the reader's time zone. */
export const localTime = (iso: string, id?: string) =>
  `<time datetime="${escapeHtml(iso)}" data-local${id ? ` id="${escapeHtml(id)}"` : ''}>${escapeHtml(iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC'))}</time>`;

/** A page that refuses or informs: forged, expired, already decided, not an approver. */
export const messagePage = (title: string, message: string, kind: 'bad' | 'info' | 'ok' = 'bad') =>
  layout(
    title,
    `<h1>${escapeHtml(title)}</h1><div class="banner ${kind}" id="message">${escapeHtml(message)}</div>`,
  );
