/** The header value for an OAuth access token. */
export function bearerAuthorization(accessToken: string): string {
  return `Bearer ${accessToken}`;
}

/** The header value for a sipgate Personal Access Token: Basic base64(tokenId:token). */
export function basicAuthorization(tokenId: string, token: string): string {
  return `Basic ${Buffer.from(`${tokenId}:${token}`, 'utf8').toString('base64')}`;
}

/** Every form in which a header's secret could be echoed back, for redaction. */
export function secretsOfAuthorization(header: string): string[] {
  const credentials = header.slice(header.indexOf(' ') + 1);
  const secrets = [header, credentials];
  if (/^basic /i.test(header)) {
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    secrets.push(decoded, decoded.slice(decoded.indexOf(':') + 1));
  }
  return secrets;
}
