/**
 * A Content-Security-Policy that allows nothing but `sources`: no other origin, no framing (the
 * admin pages must not be clickjacked), no `<base>` and no form posts anywhere.
 */
export function lockedDownPolicy(sources: Record<string, string> = {}): string {
  return Object.entries({
    'default-src': "'none'",
    ...sources,
    'base-uri': "'none'",
    'form-action': "'none'",
    'frame-ancestors': "'none'",
  })
    .map(([directive, value]) => `${directive} ${value}`)
    .join('; ');
}

/**
 * Swagger UI (/docs and its assets) loads everything from /docs itself and calls the API for "Try
 * it out". No inline script runs: @nestjs/swagger serves the init code as swagger-ui-init.js. Inline
 * styles are allowed because the page template has a <style> element and style attributes of its
 * own (styles cannot run code); images include the data: icons of swagger-ui.css.
 */
const SWAGGER_UI_POLICY = lockedDownPolicy({
  'script-src': "'self'",
  'style-src': "'self' 'unsafe-inline'",
  'img-src': "'self' data:",
  'connect-src': "'self'",
});

const common = {
  // The callback URL carries the OAuth code and state: never tell another site where a page came from.
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};
const API_HEADERS = { ...common, 'content-security-policy': lockedDownPolicy() };
const SWAGGER_UI_HEADERS = { ...common, 'content-security-policy': SWAGGER_UI_POLICY };
const SWAGGER_UI_PATH = /^\/docs(\/|\?|$)/;

/**
 * The headers of every response, JSON ones included (a browser may be pointed at any URL): a
 * policy that lets it render nothing, except that Swagger UI gets what it needs; an HTML page of a
 * route sets its own policy over this one (see callback-page.ts).
 */
export function securityHeadersFor(url: string): Readonly<Record<string, string>> {
  return SWAGGER_UI_PATH.test(url) ? SWAGGER_UI_HEADERS : API_HEADERS;
}
