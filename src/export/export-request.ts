// Export bodies into the normalized search request: the search endpoint's own
// builder (traces/search-request.ts) does the validation, tenant scope,
// `fields` and cost permissions.
import type { Principal } from '../auth/principal.js';
import type { SearchBody, SearchRequest } from '../query/request.js';
import { searchRequestFromBody } from '../traces/search-request.js';
import type { Compression, JobFormat, StreamFormat } from './formats.js';

/** What selects the rows: a search request without paging. */
export type ExportQueryBody = Omit<SearchBody, 'limit' | 'cursor'>;

export interface StreamExportBody extends ExportQueryBody {
  format?: StreamFormat;
}

export interface JobExportBody extends ExportQueryBody {
  format: JobFormat;
  compression?: Compression;
  /** At most this many rows. */
  limit?: number;
}

const QUERY_KEYS = ['filter', 'sort_by', 'sort_desc', 'fields', 'from', 'to'] as const;

/** The search part of an export body, nothing else. */
export function queryPart(body: ExportQueryBody): ExportQueryBody {
  const out: ExportQueryBody = {};
  for (const k of QUERY_KEYS) if (body[k] !== undefined) Object.assign(out, { [k]: body[k] });
  return out;
}

export function exportSearchRequest(body: ExportQueryBody, principal: Principal): SearchRequest {
  return searchRequestFromBody(queryPart(body), principal);
}
