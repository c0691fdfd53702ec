// Verified tokens are cached (the same principal object comes back), but never
// past the token's exp, and failures are never cached.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mintToken } from '../../src/auth/tokens.js';
import { createVerifier } from '../../src/auth/verifier.js';
import { loadConfig } from '../../src/config.js';

const SECRET = 'verified-token-cache-secret-0123456789ab';

describe('verified-token cache', () => {
  const verifier = createVerifier(loadConfig({ JWT_SECRET: SECRET, JWT_CLOCK_TOLERANCE_S: '0' }));

  it('answers a repeated token from the cache', async () => {
    const token = await mintToken(SECRET, { sub: 'u', role: 'viewer', projects: ['p'] });
    const first = await verifier.verify(token);
    expect(await verifier.verify(token)).toBe(first);
  });

  afterEach(() => vi.useRealTimers());

  it('stops honouring a cached token at its exp', async () => {
    // The clock is moved, not waited for: on a busy machine a 1-second token
    // could expire before its first verification.
    vi.useFakeTimers({ toFake: ['Date'] });
    const token = await mintToken(SECRET, { sub: 'u', role: 'viewer', projects: ['p'], ttlS: 60 });
    await expect(verifier.verify(token)).resolves.toMatchObject({ sub: 'u' });
    vi.setSystemTime(Date.now() + 61_000);
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('does not cache a failure', async () => {
    const bad = (await mintToken(SECRET, { sub: 'u', role: 'viewer', projects: ['p'] })).slice(0, -2) + 'xx';
    await expect(verifier.verify(bad)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(verifier.verify(bad)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });
});
