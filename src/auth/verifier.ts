// Chooses the token verifier from the config.
import type { Config } from '../config.js';
import { hsVerifier, type TokenVerifier } from './tokens.js';

/** devSecret: the generated secret of development mode (embedded engine, no JWT_SECRET). */
export function createVerifier(config: Config, devSecret?: string): TokenVerifier {
  const secret = config.jwt.secret ?? devSecret;
  if (!secret) throw new Error('No JWT verification key configured');
  return hsVerifier(secret, config.jwt);
}
