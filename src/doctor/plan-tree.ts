// Reading EXPLAIN (FORMAT JSON): the scan nodes of a plan, and a compact
// one-line-per-node rendering for the report.

export interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  /** PostgreSQL 18+: the planner had to use a path that a setting disabled. */
  Disabled?: boolean;
  /** Partitions that run-time pruning removed from an Append. */
  'Subplans Removed'?: number;
  Plans?: PlanNode[];
}

export interface ScanNode {
  nodeType: string;
  relation: string | null;
  index: string | null;
}

/** The root plan node of an EXPLAIN (FORMAT JSON) result row. */
export function rootPlan(explainRows: readonly Record<string, unknown>[]): PlanNode {
  let doc = explainRows[0]?.['QUERY PLAN'];
  // node-postgres parses json columns; be tolerant of drivers that do not.
  if (typeof doc === 'string') doc = JSON.parse(doc) as unknown;
  const plan = Array.isArray(doc) ? (doc[0] as { Plan?: PlanNode } | undefined)?.Plan : undefined;
  if (!plan) throw new Error('EXPLAIN returned no plan');
  return plan;
}

export function scanNodes(root: PlanNode): ScanNode[] {
  const out: ScanNode[] = [];
  const walk = (n: PlanNode) => {
    if (n['Node Type'].includes('Scan')) {
      out.push({ nodeType: n['Node Type'], relation: n['Relation Name'] ?? null, index: n['Index Name'] ?? null });
    }
    n.Plans?.forEach(walk);
  };
  walk(root);
  return out;
}

/**
 * "Limit > Sort > Bitmap Heap Scan on llm_traces > Bitmap Index Scan using llm_traces_search_tsv_idx", one line per branch.
 * indexName maps a partition's index to the schema index it belongs to (the relation keeps the partition's name).
 */
export function describePlan(root: PlanNode, indexName: (leaf: string) => string = (n) => n): string[] {
  const lines: string[] = [];
  const label = (n: PlanNode) =>
    n['Node Type'] +
    (n['Index Name'] ? ` using ${indexName(n['Index Name'])}` : '') +
    (n['Relation Name'] ? ` on ${n['Relation Name']}` : '') +
    (n.Disabled ? ' (a disabled path: nothing else was possible)' : '');
  const walk = (n: PlanNode, depth: number) => {
    lines.push(`${'  '.repeat(depth)}${label(n)}`);
    n.Plans?.forEach((c) => walk(c, depth + 1));
  };
  walk(root, 0);
  return lines;
}
