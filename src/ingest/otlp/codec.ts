// Bytes on the wire <-> OTLP messages, for both OTLP/HTTP encodings.
import { appError } from '../../errors.js';
import { readExportRequest, type OtlpResourceSpans } from './decode.js';
import { ExportTraceServiceRequest, ExportTraceServiceResponse, RpcStatus } from './schema.js';

export type OtlpEncoding = 'protobuf' | 'json';

export const OTLP_CONTENT_TYPES: Readonly<Record<OtlpEncoding, string>> = {
  protobuf: 'application/x-protobuf',
  json: 'application/json',
};

/** The encoding of a Content-Type header, or null for any other type. */
export function encodingOf(contentType: string | undefined): OtlpEncoding | null {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  return null;
}

const invalid = (message: string) => appError.OTLP_INVALID_PAYLOAD(message);

export function decodeProtobuf(body: Buffer): OtlpResourceSpans[] {
  let message: unknown;
  try {
    message = ExportTraceServiceRequest.decode(body);
  } catch (err) {
    throw invalid(`Body is not a protobuf ExportTraceServiceRequest (${(err as Error).message})`);
  }
  return readExportRequest(message);
}

// A JSON integer beyond 2^53 (OTLP int64: timestamps in nanoseconds, intValue)
// would lose digits in JSON.parse. Such a number can only follow ':', '[' or
// ',', so when no such token exists the native parser is exact; otherwise the
// long integers outside string literals are quoted first (OTLP/JSON allows
// int64 as strings, and the decoder reads both). A lossless JSON library was
// measured 40x slower than this on a 500-span export.
const MAYBE_LONG_INT_RE = /[:[,]\s*-?\d{16}/;
const TOKEN_RE = /"(?:[^"\\]|\\.)*"|(?<![\d.eE+-])(-?\d{16,})(?![\d.eE])/g;

export function parseJsonExact(text: string): unknown {
  const exact = MAYBE_LONG_INT_RE.test(text) ? text.replace(TOKEN_RE, (m, digits: string | undefined) => (digits === undefined ? m : `"${digits}"`)) : text;
  return JSON.parse(exact);
}

export function decodeJson(text: string): OtlpResourceSpans[] {
  let parsed: unknown;
  try {
    parsed = parseJsonExact(text);
  } catch (err) {
    throw invalid(`Body is not valid JSON (${(err as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalid('Body must be an OTLP/JSON ExportTraceServiceRequest object');
  return readExportRequest(parsed);
}

export interface PartialSuccess {
  rejectedSpans: number;
  errorMessage: string;
}

/** ExportTraceServiceResponse: empty when every span was accepted. */
export function encodeResponse(encoding: OtlpEncoding, partial: PartialSuccess | null): Buffer | string {
  if (encoding === 'json') return JSON.stringify(partial ? { partialSuccess: partial } : {});
  const message = ExportTraceServiceResponse.fromObject(partial ? { partialSuccess: partial } : {});
  return Buffer.from(ExportTraceServiceResponse.encode(message).finish());
}

// google.rpc.Code for each HTTP status an OTLP request can fail with.
const RPC_CODES: Readonly<Record<number, number>> = { 400: 3, 401: 16, 403: 7, 404: 5, 408: 4, 413: 3, 415: 3, 429: 8, 503: 14, 504: 4 };

/** google.rpc.Status, the body of a failed OTLP/HTTP protobuf request. */
export function encodeRpcStatus(httpStatus: number, message: string): Buffer {
  return Buffer.from(RpcStatus.encode(RpcStatus.fromObject({ code: RPC_CODES[httpStatus] ?? 2, message })).finish());
}
