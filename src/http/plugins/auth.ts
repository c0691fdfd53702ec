// Bearer-token authentication for the protected context. Runs in onRequest,
// before body parsing and before any database work, so a bad token costs
// nothing but a signature check.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { unauthorized } from '../../errors.js';
import type { TokenVerifier } from '../../auth/tokens.js';

const BEARER_RE = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/;
// A JWT bigger than this is abuse, not identity.
const MAX_TOKEN_LENGTH = 8192;

async function authPlugin(app: FastifyInstance, opts: { verifier: TokenVerifier }) {
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    if (!header) throw unauthorized('Missing Authorization header (expected: Bearer <token>)');
    if (header.length > MAX_TOKEN_LENGTH + 7) throw unauthorized('Token is too large');
    const m = BEARER_RE.exec(header);
    if (!m) throw unauthorized('Authorization header must be: Bearer <JWT>');
    request.principal = await opts.verifier.verify(m[1]!);
  });
}

export default fp(authPlugin, { name: 'tracelens-auth' });
