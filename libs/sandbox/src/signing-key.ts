import { generateKeyPair, type JsonWebKey, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';

export interface SigningKey {
  /** Private JWK for oidc-provider's keystore. */
  jwk: JsonWebKey;
  /** Public half, for the REST stand-in to verify access tokens. */
  publicKey: KeyObject;
}

const generateRsaKeyPair = promisify(generateKeyPair);

/** A fresh RS256 key per realm and start, as Keycloak keeps one key set per realm. */
export async function generateSigningKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateRsaKeyPair('rsa', { modulusLength: 2048 });
  return {
    jwk: { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' },
    publicKey,
  };
}
