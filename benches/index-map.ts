// Prints the index map (src/perf/index-map.ts) as the markdown table in
// docs/performance.md: every (field, operator) pair of the registry, grouped
// by the index that serves its rare and absent values.
//   npx tsx benches/index-map.ts
import { indexPath } from '../src/perf/index-map.js';
import { CONTENT_FIELD, FIELDS, OPERATORS_BY_TYPE } from '../src/query/fields.js';

const rows = new Map<string, { pairs: string[]; note: string }>();
const add = (pair: string, p: ReturnType<typeof indexPath>) => {
  const key = p.index === null ? `none: ${p.note}` : String(p.index);
  const row = rows.get(key) ?? { pairs: [], note: p.note };
  row.pairs.push(pair);
  rows.set(key, row);
};
for (const f of FIELDS) {
  if (f.type === 'attributes') {
    for (const op of OPERATORS_BY_TYPE.attributes) add(`attributes.* ${op}`, indexPath('attribute', op));
    continue;
  }
  for (const op of OPERATORS_BY_TYPE[f.type]) add(`${f.name} ${op}`, indexPath(f, op));
}
add(`${CONTENT_FIELD} search`, indexPath(CONTENT_FIELD, 'search'));
console.log('| index | pairs it serves | how |\n|---|---|---|');
for (const [key, r] of rows) {
  // A pipe inside a pattern would end the table cell.
  const index = key.startsWith('none: ') ? '(none)' : `\`${key.replace(/\|/g, '\\|')}\``;
  console.log(`| ${index} | ${r.pairs.map((p) => `\`${p}\``).join(', ')} | ${r.note} |`);
}
