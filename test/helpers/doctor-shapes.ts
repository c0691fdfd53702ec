// A small, fixed list of query shapes for the doctor tests: on a few hundred
// rows the planner's choice among B-trees is not the one it makes at 1M rows,
// so the tests name their shapes instead of using the benchmark suite's.
//
// Only the full-text shape names its index: which B-tree a plan picks for the
// others depends on the data (a common provider is best served by walking the
// tenant's time index and filtering), so for them the check is "an index, not
// a sequential scan". No time ranges either: a relative range over old data
// would make every plan a trivial empty-range scan.
import type { QueryShape } from '../../src/doctor/query-shape.js';

export const TEST_SHAPES: readonly QueryShape[] = [
  {
    name: 'provider eq',
    body: { filter: { field: 'provider', operator: 'eq', value: 'openai' } },
  },
  {
    // No index on duration: the time axis of the tenant serves it, filtering as it walks.
    name: 'duration gte',
    body: { filter: { field: 'duration_ms', operator: 'gte', value: 5000 } },
  },
  {
    name: 'model in',
    body: { filter: { field: 'model', operator: 'in', value: ['gpt-4o', 'claude-3-5-sonnet-20241022'] } },
  },
  {
    name: 'input_text contains',
    body: { filter: { field: 'input_text', operator: 'contains', value: 'refund' } },
  },
  {
    // A full-text shape: the plan must show a GIN index (checked for every such shape).
    name: 'content search',
    body: { filter: { field: 'content', operator: 'search', value: 'timeout error' } },
    expectIndex: 'llm_traces_search_tsv_idx',
  },
  {
    name: 'nested tree',
    body: {
      filter: {
        operator: 'AND',
        filters: [
          { field: 'provider', operator: 'eq', value: 'anthropic' },
          {
            operator: 'OR',
            filters: [
              { field: 'duration_ms', operator: 'gte', value: 3000 },
              { field: 'status_code', operator: 'eq', value: 'ERROR' },
            ],
          },
        ],
      },
    },
  },
];
