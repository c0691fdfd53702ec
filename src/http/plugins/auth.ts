// Bearer-token authentication for the protected context. Runs in onRequest,
// before body parsing and before any database work, so a bad token costs
// nothing but (at most) a signature check.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { appError, isAppError } from '../../errors.js';
import type { TokenVerifier } from '../../auth/tokens.js';

// RFC 6750: the scheme is case-insensitive; the token is a compact JWS, i.e.
// exactly three base64url segments (the signature of an unsigned token is
// empty, which jose then rejects as alg none).
const BEARER_RE = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/i;
const SCHEME_RE = /^Bearer(?: |$)/i;
// A JWT bigger than this is abuse, not identity; checked before any parsing.
export const MAX_AUTHORIZATION_LENGTH = 8192;

const REALM = 'Bearer realm="tracelens"';

async function authPlugin(app: FastifyInstance, opts: { verifier: TokenVerifier }) {
  app.addHook('onRequest', async (request, reply) => {
    const header = request.headers.authorization;
    // No bearer credentials at all: the challenge carries no error code (RFC 6750 section 3.1).
    if (!header || !SCHEME_RE.test(header)) {
      reply.header('WWW-Authenticate', REALM);
      throw appError.UNAUTHORIZED(header ? 'Authorization scheme must be Bearer' : 'Missing Authorization header (expected: Bearer <token>)');
    }
    try {
      if (header.length > MAX_AUTHORIZATION_LENGTH) throw appError.UNAUTHORIZED('Token is too large');
      const m = BEARER_RE.exec(header);
      if (!m) throw appError.UNAUTHORIZED('Token is malformed (expected a JWT of three base64url parts)');
      request.principal = await opts.verifier.verify(m[1]!);
    } catch (err) {
      if (isAppError(err) && err.statusCode === 401) reply.header('WWW-Authenticate', `${REALM}, error="invalid_token"`);
      throw err;
    }
  });
}

export default fp(authPlugin, { name: 'tracelens-auth' });
