// Importing this module registers every tracelens metric on prom-client's
// default registry; /metrics then serves whatever that registry holds.
export { register, LATENCY_BUCKETS } from './registry.js';
export { recordHttpRequest, UNMATCHED_ROUTE } from './http-metrics.js';
export { recordDbQuery, collectDriverGauges, setComponentUp } from './db-metrics.js';
export { recordIngest } from './ingest-metrics.js';
export { filterShape, paramsShape, shapeFingerprint } from './query-shape.js';
