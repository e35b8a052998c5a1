export interface SandboxLoginOptions {
  /** The user to log in as; default the first user on the page. */
  sub?: string;
  /** Picks among users sharing a `sub` (`w0` exists in every account); default the first match. */
  masterSipId?: string;
  /** Press "Cancel" instead: the client receives `error=access_denied`. */
  deny?: boolean;
}

const MAX_STEPS = 10;

/**
 * Plays the browser's part of the sandbox's authorization-code flow over real HTTP: follows the
 * redirects with a cookie jar, submits the login page, and stops at the redirect to the client's
 * `redirect_uri`, which it returns (with `code` and `state`, or `error`) without calling it.
 */
export async function completeSandboxLogin(
  authorizationUrl: string,
  options: SandboxLoginOptions = {},
): Promise<URL> {
  const redirectUri = new URL(authorizationUrl).searchParams.get('redirect_uri');
  const cookies = new Map<string, string>();
  let url = new URL(authorizationUrl);
  let form: URLSearchParams | undefined;

  for (let step = 0; step < MAX_STEPS; step += 1) {
    const response = await fetch(url, {
      method: form ? 'POST' : 'GET',
      body: form,
      redirect: 'manual',
      headers: {
        accept: 'text/html',
        cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; '),
      },
    });
    storeCookies(cookies, response.headers.getSetCookie());
    form = undefined;

    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      const next = new URL(location, url);
      if (isClientRedirect(next, redirectUri, url)) return next;
      url = next;
      continue;
    }

    const html = await response.text();
    if (response.status !== 200) {
      throw new Error(`sandbox login failed: HTTP ${response.status} at ${url.pathname}: ${textOf(html)}`);
    }
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
    if (!action) throw new Error(`sandbox login failed: no login form at ${url.pathname}`);
    url = new URL(unescapeHtml(action), url);
    form = options.deny
      ? new URLSearchParams({ cancel: '1' })
      : new URLSearchParams({ user: pickUser(html, options) });
  }
  throw new Error(`sandbox login failed: no redirect to the client after ${MAX_STEPS} steps`);
}

function isClientRedirect(next: URL, redirectUri: string | null, current: URL): boolean {
  if (!redirectUri) return next.origin !== current.origin;
  const target = new URL(redirectUri);
  return next.origin === target.origin && next.pathname === target.pathname;
}

function pickUser(html: string, { sub, masterSipId }: SandboxLoginOptions): string {
  const users = [...html.matchAll(/name="user" value="([^"]+)"/g)].map((m) => unescapeHtml(m[1]!));
  const matches = (id: string) =>
    masterSipId === undefined ? id.startsWith(`${sub}@`) : id === `${sub}@${masterSipId}`;
  const wanted = sub === undefined ? users[0] : users.find(matches);
  if (!wanted) {
    throw new Error(
      `sandbox login failed: no user ${sub}${masterSipId ? `@${masterSipId}` : ''} among ${users.join(', ')}`,
    );
  }
  return wanted;
}

/** Enough of a cookie jar for one host: oidc-provider clears a cookie by setting it empty. */
function storeCookies(cookies: Map<string, string>, setCookies: string[]): void {
  for (const header of setCookies) {
    const [pair = ''] = header.split(';');
    const separator = pair.indexOf('=');
    const name = pair.slice(0, separator).trim();
    const value = pair.slice(separator + 1).trim();
    if (value) cookies.set(name, value);
    else cookies.delete(name);
  }
}

function unescapeHtml(value: string): string {
  return value
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}

function textOf(html: string): string {
  return html
    .replace(/<style[\s\S]*?<\/style>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
}
