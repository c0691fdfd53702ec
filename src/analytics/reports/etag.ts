// Strong entity tags of report answers, pure. The tag hashes the
// representation of the answer's content (data and pagination as sent);
// meta (timestamp, timing, request id, cached) is per response and left out,
// so two answers with the same numbers carry the same tag.
import { createHash } from 'node:crypto';

export function strongEtag(payloadText: string): string {
  return `"${createHash('sha256').update(payloadText).digest('base64url').slice(0, 32)}"`;
}

/**
 * Whether If-None-Match matches `etag` (RFC 9110 13.1.2: the weak comparison,
 * so W/"x" matches "x"; `*` matches any current representation).
 */
export function ifNoneMatchHits(header: string | string[] | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const value = Array.isArray(header) ? header.join(',') : header;
  if (value.trim() === '*') return true;
  const opaque = etag.replace(/^W\//, '');
  return value.split(',').some((t) => t.trim().replace(/^W\//, '') === opaque);
}
