/** sipgate calls time out after 2 s, so leases last 10 s (the minimum), and so does the takeover grace. */
export const SHORT_LEASE_ENV = { SIPGATE_HTTP_TIMEOUT_MS: '2000' };
export const SHORT_LEASE_MS = 10_000;
