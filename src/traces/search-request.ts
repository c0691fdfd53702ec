// The search request a caller may run: read:traces first (a caller without it
// learns nothing about its request), then the parsed request limited to the
// columns and projects the caller may see (auth/permissions.ts). Search, list,
// export and the doctor's plans build their request here.
import { authorizeSpanRead, authorizeTraceRead } from '../auth/permissions.js';
import type { Principal } from '../auth/principal.js';
import { FIELDS } from '../query/fields.js';
import { parseListQuery, parseSearchBody, type ListQuery, type SearchBody, type SearchDraft, type SearchRequest } from '../query/request.js';

export function searchRequestFromBody(body: SearchBody, principal: Principal): SearchRequest {
  authorizeTraceRead(principal);
  return authorized(principal, parseSearchBody(body));
}

export function searchRequestFromQuery(q: ListQuery, principal: Principal): SearchRequest {
  authorizeTraceRead(principal);
  return authorized(principal, parseListQuery(q));
}

function authorized(principal: Principal, draft: SearchDraft): SearchRequest {
  const { requestedFields, projects, ...rest } = draft;
  const { fields, scope } = authorizeSpanRead(principal, { fields: requestedFields, sort: rest.sort.field, filter: rest.filter, projects }, FIELDS);
  return { ...rest, fields, scope };
}
