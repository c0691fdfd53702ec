// Limits of the filter DSL. Each one turns a class of abuse into a 400 before
// any recursion or database work; docs/api.md states them to users.
export const LIMITS = Object.freeze({
  /** Deepest nesting of AND/OR/NOT below the root (root = depth 1). */
  maxDepth: 12,
  /** Total filter nodes (logical and leaf) in one request. */
  maxNodes: 256,
  /** Values in one in / not_in list (and in a tags contains list). */
  maxInList: 500,
  /** Characters in one string value (search text included). */
  maxString: 1000,
  /** Characters in one regular expression. */
  maxRegex: 256,
  /** Keys in one attributes path, and characters per key. */
  maxPathSegments: 8,
  maxKeyLength: 128,
  /** Characters of a field name echoed back in an error message. */
  echoLength: 64,
});
