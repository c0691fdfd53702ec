// Loads JWT_PUBLIC_KEY: PEM text in the variable itself, or a path to a PEM
// file. The key's own type decides the one algorithm it may verify, so a key
// can never be "reinterpreted" under another algorithm family.
import { X509Certificate, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../config.js';

export type AsymmetricAlg = 'RS256' | 'ES256';

export interface PublicKeySource {
  key: KeyObject;
  alg: AsymmetricAlg;
}

const VAR = 'JWT_PUBLIC_KEY';
const MIN_RSA_BITS = 2048;

/** PEM text starts with a BEGIN line; anything else is a file path. */
export function isPemText(value: string): boolean {
  return value.trimStart().startsWith('-----BEGIN');
}

function readPem(value: string): string {
  if (isPemText(value)) {
    // Many deploy tools flatten multi-line variables into literal "\n".
    return value.replace(/\\n/g, '\n');
  }
  try {
    return readFileSync(value, 'utf8');
  } catch (err) {
    throw new ConfigError(VAR, `is neither PEM text nor a readable file (${(err as NodeJS.ErrnoException).code ?? 'read error'}: ${value})`);
  }
}

export function loadPublicKey(value: string): PublicKeySource {
  const pem = readPem(value);
  // A private key here means the wrong half was deployed; refuse to hold it.
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    throw new ConfigError(VAR, 'holds a private key; configure the public key (or certificate) only');
  }
  let key: KeyObject;
  try {
    key = pem.includes('-----BEGIN CERTIFICATE-----') ? new X509Certificate(pem).publicKey : createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new ConfigError(VAR, 'is not a valid PEM public key or certificate');
  }
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') {
    if ((details.modulusLength ?? 0) < MIN_RSA_BITS) {
      throw new ConfigError(VAR, `RSA key must have at least ${MIN_RSA_BITS} bits, got ${details.modulusLength ?? 'unknown'}`);
    }
    return { key, alg: 'RS256' };
  }
  if (key.asymmetricKeyType === 'ec') {
    if (details.namedCurve !== 'prime256v1') {
      throw new ConfigError(VAR, `EC key must be on curve P-256 (ES256), got ${details.namedCurve ?? 'unknown'}`);
    }
    return { key, alg: 'ES256' };
  }
  throw new ConfigError(VAR, `key type '${key.asymmetricKeyType ?? 'unknown'}' is not supported (use RSA for RS256 or EC P-256 for ES256)`);
}
