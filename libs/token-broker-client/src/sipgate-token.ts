/** A token for sipgate's REST API, as handed out by `TokenBrokerClient.getToken`. */
export interface SipgateToken {
  /** Send as the `Authorization` header to `https://api.sipgate.com/v2/...`. */
  readonly authorizationHeader: string;
  /** The OAuth access token, or base64 `tokenId:token` of a Personal Access Token. */
  readonly accessToken: string;
  readonly tokenType: 'Bearer' | 'Basic';
  /**
   * When the token expires, in this process's clock (derived from the broker's `expiresIn`, so clock
   * skew between hosts does not matter); null for Personal Access Tokens.
   */
  readonly expiresAt: Date | null;
}

/** The fields of the broker's `GET /v1/connections/{id}/token` answer this client relies on. */
export interface IssuedToken {
  tokenType: 'Bearer' | 'Basic';
  accessToken: string;
  authorizationHeader: string;
  expiresIn: number | null;
}

/** Checks the answer's shape, so a proxy's or an incompatible broker's answer fails loudly here. */
export function parseIssuedToken(body: unknown): IssuedToken | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { tokenType, accessToken, authorizationHeader, expiresIn } = body as Record<string, unknown>;
  if (tokenType !== 'Bearer' && tokenType !== 'Basic') return undefined;
  if (typeof accessToken !== 'string' || typeof authorizationHeader !== 'string') return undefined;
  if (expiresIn !== null && typeof expiresIn !== 'number') return undefined;
  if (tokenType === 'Bearer' && expiresIn === null) return undefined;
  return { tokenType, accessToken, authorizationHeader, expiresIn };
}

/** `sentAt` is when the request left: counting from then, the expiry errs on the early side. */
export function toSipgateToken(issued: IssuedToken, sentAt: number): SipgateToken {
  return Object.freeze({
    authorizationHeader: issued.authorizationHeader,
    accessToken: issued.accessToken,
    tokenType: issued.tokenType,
    expiresAt: issued.expiresIn === null ? null : new Date(sentAt + issued.expiresIn * 1000),
  });
}
