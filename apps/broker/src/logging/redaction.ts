/** Log paths whose values are secrets wherever they appear. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.authorization',
  '*.accessToken',
  '*.refreshToken',
  '*.token',
  '*.key',
  '*.clientSecret',
  '*.password',
];

/** `/v1/oauth/callback?code=abc&state=xyz` → `/v1/oauth/callback?code=…&state=…`: names stay, values go. */
export function withoutQueryValues(url: string): string {
  const query = url.indexOf('?');
  if (query < 0) return url;
  const names = url
    .slice(query + 1)
    .split('&')
    .map((pair) => `${pair.split('=')[0]}=…`);
  return `${url.slice(0, query)}?${names.join('&')}`;
}
