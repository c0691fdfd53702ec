// Maps what jose throws while verifying a token onto the error registry.
// Everything the caller can fix is a 401; a key set we cannot fetch is our
// (or the identity provider's) fault, so it is a 503 the client may retry.
import { AppError, appError, isAppError } from '../errors.js';

const unauthorized = appError.UNAUTHORIZED;

/** Thrown by the JWKS key getter when the key set itself could not be loaded. */
export class KeySetUnavailable extends Error {
  constructor(cause: unknown) {
    super('JWKS could not be fetched', { cause });
    this.name = 'KeySetUnavailable';
  }
}

function joseCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Errors after which another configured key of the same algorithm may still verify the token. */
export function isKeyMismatch(err: unknown): boolean {
  const code = joseCode(err);
  return code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' || code === 'ERR_JWKS_NO_MATCHING_KEY';
}

const CLAIM_MESSAGES: Record<string, string> = {
  nbf: 'Token is not valid yet (nbf is in the future)',
  aud: 'Token audience (aud) is not accepted',
  iss: 'Token issuer (iss) is not accepted',
};

export function toAuthError(err: unknown): AppError {
  if (isAppError(err)) return err;
  if (err instanceof KeySetUnavailable) {
    return appError.AUTH_KEYS_UNAVAILABLE(err.cause);
  }
  switch (joseCode(err)) {
    case 'ERR_JWT_EXPIRED':
      return unauthorized('Token has expired');
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED': {
      const { claim, reason } = err as { claim?: string; reason?: string };
      const known = claim ? CLAIM_MESSAGES[claim] : undefined;
      if (known && reason === 'check_failed') return unauthorized(known);
      return unauthorized(`Token claim '${claim ?? 'unknown'}' is missing or invalid`);
    }
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return unauthorized('Token algorithm is not accepted');
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return unauthorized('Token signature is invalid');
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return unauthorized('Token key id (kid) selects no single configured key');
    default:
      return unauthorized('Token is malformed or cannot be verified');
  }
}
