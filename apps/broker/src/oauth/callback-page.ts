import { createHash } from 'node:crypto';
import { lockedDownPolicy } from '../bootstrap/security-headers.js';
import type { ProblemPage } from '../problems/problem-page.js';

/** The small page a browser lands on after logging in at sipgate. Every interpolated value is escaped. */
const escape = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/** The same text on every page, so one hash in the policy allows it and nothing else. */
const STYLE = `body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d2433}
main{max-width:32rem;margin:10vh auto;background:#fff;border-radius:12px;padding:2rem;box-shadow:0 2px 12px #0001}
h1{font-size:1.3rem;margin-top:0}.ok h1{color:#0a7d38}.failed h1{color:#b00020}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem}
dt{color:#5b6478}code{background:#eef0f3;padding:.1rem .3rem;border-radius:4px}`;

/**
 * The pages run no script and load nothing; even an escaping bug could inject no style or script
 * the policy does not name. Referrer-Policy and nosniff come with every response (security-headers.ts).
 */
export const CALLBACK_PAGE_HEADERS = {
  'content-security-policy': lockedDownPolicy({
    'style-src': `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
  }),
};

function page(title: string, body: string, ok: boolean): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escape(title)} · sipgate token broker</title>
<style>${STYLE}</style></head>
<body class="${ok ? 'ok' : 'failed'}"><main><h1>${escape(title)}</h1>${body}</main></body></html>`;
}

export function connectedPage(connection: {
  id: string;
  label: string | null;
  sipgateUserId: string;
  sipgateAccountId: string;
}): string {
  return page(
    'sipgate account connected',
    `<dl><dt>Connection id</dt><dd><code id="connection-id">${escape(connection.id)}</code></dd>
<dt>Label</dt><dd>${escape(connection.label ?? '—')}</dd>
<dt>sipgate user</dt><dd>${escape(connection.sipgateUserId)} in account ${escape(connection.sipgateAccountId)}</dd></dl>
<p>Services can now fetch tokens with <code>GET /v1/connections/${escape(connection.id)}/token</code>. You can close this window.</p>`,
    true,
  );
}

export function failedPage(title: string, detail: string): string {
  return page(
    title,
    `<p>${escape(detail)}</p><p>Nothing was stored. Start a new connection from the broker's API.</p>`,
    false,
  );
}

/** Every failure of the callback, as the browser that was sent there sees it. */
export const CALLBACK_PROBLEM_PAGE: ProblemPage = {
  render: (problem) => failedPage(problem.title, problem.detail),
  headers: CALLBACK_PAGE_HEADERS,
};
