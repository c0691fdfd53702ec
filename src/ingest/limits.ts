// Bounds on one ingested span. They keep a single span from hogging a batch
// and keep every value inside what its column (and PostgreSQL text) can hold.
export const INGEST_LIMITS = {
  /** trace_id, span_id, parent_span_id: characters. */
  idLength: 256,
  /** project_id: characters; the same bound the token's projects claim has. */
  projectIdLength: 128,
  /** span_name, provider, model, user_id, session_id, environment: characters. */
  labelLength: 1024,
  /** input_text, output_text, error_message: UTF-8 bytes. */
  textBytes: 256 * 1024,
  tags: 64,
  tagLength: 256,
  /** attributes, serialized as JSON: UTF-8 bytes. */
  attributesBytes: 64 * 1024,
  attributesDepth: 16,
  /** Integer columns are int4. */
  maxInt: 2_147_483_647,
  /** Costs: below 10^9 USD, at most 10 decimal places kept (numeric(20, 10)). */
  maxCostIntegerDigits: 9,
  costTextLength: 40,
} as const;

/** How many per-field problems a 400 lists before it stops looking. */
export const MAX_REPORTED_ERRORS = 20;
