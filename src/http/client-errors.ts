// Errors Node's HTTP parser raises before Fastify sees a request (oversized
// headers, a client too slow to send its request, malformed HTTP). They get
// the same error envelope as everything else instead of Fastify's default body.
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { appError, type AppError } from '../errors.js';

function classify(code: string | undefined): AppError {
  if (code === 'HPE_HEADER_OVERFLOW') return appError.HEADERS_TOO_LARGE();
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return appError.REQUEST_TIMEOUT();
  return appError.BAD_REQUEST('Malformed HTTP request');
}

export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const { code, message, statusCode: status } = classify(err.code);
  const requestId = randomUUID();
  const body = JSON.stringify({ error: { code, message }, meta: { timestamp: new Date().toISOString(), request_id: requestId } });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}
