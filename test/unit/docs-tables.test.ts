// The generated tables in the docs match their registries: a code or a config
// variable added, removed or reworded without `npm run docs` fails here.
import { describe, expect, it } from 'vitest';
import { TABLES, currentTable } from '../../scripts/docs-tables.js';

describe('generated docs tables', () => {
  for (const t of TABLES) {
    it(`${t.file} <!-- ${t.marker} --> is what the registry says (run npm run docs)`, () => {
      expect(currentTable(t), `${t.file} has no ${t.marker} markers`).not.toBeNull();
      expect(currentTable(t)).toBe(t.render());
    });
  }
});
