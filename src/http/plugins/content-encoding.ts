// Compressed request bodies. Fastify ignores Content-Encoding by default, so a
// gzip body used to reach the JSON parser as binary (a confusing 400) and an
// unknown encoding was silently treated as plain text. Now:
//  - gzip, deflate and br bodies are decompressed as a stream, and the body
//    limit (BODY_LIMIT_BYTES) is measured AFTER decompression: a 100 kB
//    "zip bomb" that inflates to 100 MB is a 413 as soon as the limit is
//    passed, without ever holding more than the limit in memory;
//  - a body that is not valid data of its declared encoding is a 400;
//  - any other encoding (compress, a list such as "gzip, br") is a 415.
// Runs in preParsing, i.e. after authentication (onRequest): an anonymous
// caller cannot make the server decompress anything.
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { appError } from '../../errors.js';

const DECODERS: Readonly<Record<string, () => Transform>> = {
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

export const SUPPORTED_ENCODINGS = ['gzip', 'deflate', 'br'] as const;

/** The decompressed stream, carrying what Fastify reads to check Content-Length and the body limit. */
type DecodedStream = Transform & { receivedEncodedLength: number };

export function decodeBody(payload: Readable, encoding: string, limit: number): DecodedStream {
  const decoder = DECODERS[encoding]!();
  let decodedBytes = 0;
  const out = new Transform({
    transform(chunk: Buffer, _enc, done) {
      decodedBytes += chunk.length;
      if (decodedBytes > limit) {
        done(appError.PAYLOAD_TOO_LARGE(limit));
        return;
      }
      done(null, chunk);
    },
  }) as DecodedStream;
  out.receivedEncodedLength = 0;
  payload.on('data', (chunk: Buffer) => {
    out.receivedEncodedLength += chunk.length;
  });
  decoder.on('error', (err) => {
    out.destroy(appError.INVALID_ENCODING(encoding, (err as NodeJS.ErrnoException).code ?? 'decode error'));
  });
  // On any failure stop decompressing at once; the request stream itself is
  // left alone so that the error response can still be written.
  out.on('error', () => {
    payload.unpipe(decoder);
    decoder.destroy();
  });
  payload.pipe(decoder).pipe(out);
  return out;
}

async function contentEncodingPlugin(app: FastifyInstance) {
  const limit = app.config.bodyLimitBytes;
  app.addHook('preParsing', async (request, _reply, payload) => {
    const header = request.headers['content-encoding'];
    if (header === undefined) return payload;
    const encoding = header.trim().toLowerCase();
    if (encoding === '' || encoding === 'identity') return payload;
    if (!(encoding in DECODERS)) {
      throw appError.UNSUPPORTED_MEDIA_TYPE(
        `Content-Encoding ${JSON.stringify(header.slice(0, 64))} is not supported; send ${SUPPORTED_ENCODINGS.join(', ')} or an uncompressed body`,
      );
    }
    return decodeBody(payload, encoding, limit);
  });
}

export default fp(contentEncodingPlugin, { name: 'tracelens-content-encoding' });
