// Rows that full-text search cannot find: an empty search vector while the
// row has text. search_tsv is a generated column, so the database keeps it in
// step with the text; an empty one means that guarantee broke (the column was
// altered, or rows were loaded around it).
//
// Text made only of stop words or punctuation ("What is it?", "…") has an
// empty vector by design: recomputing the vector tells those rows apart, and
// they are reported for information only, since no search term can match them
// anyway. Rows with no text at all are fine.
import { TABLE } from '../query/fields.js';
import { ADMIN, type CheckFamily, type CheckResult } from './check.js';

/** The generation expression of search_tsv (migration 0001), to recompute what the vector should be. */
const EXPECTED_VECTOR = `(
  setweight(to_tsvector('english'::regconfig, coalesce(input_text, '')), 'A') ||
  setweight(to_tsvector('english'::regconfig, coalesce(output_text, '')), 'B') ||
  setweight(to_tsvector('english'::regconfig, coalesce(error_message, '')), 'C'))`;

const HAS_TEXT = `(coalesce(input_text, '') <> '' OR coalesce(output_text, '') <> '')`;

export const searchVectors: CheckFamily = {
  id: 'search-vectors',
  async run({ db }) {
    // One pass over the table; the expensive recomputation only runs for the
    // (normally zero) rows whose stored vector is empty.
    const r = (
      await db.query<{ empty_with_text: number; broken: number; generated: boolean | null }>(
        `SELECT count(*)::float8 AS empty_with_text,
                count(*) FILTER (WHERE ${EXPECTED_VECTOR} <> ''::tsvector)::float8 AS broken,
                (SELECT attgenerated = 's' FROM pg_attribute WHERE attrelid = $1::regclass AND attname = 'search_tsv') AS generated
           FROM ${TABLE} WHERE search_tsv = ''::tsvector AND ${HAS_TEXT}`,
        [TABLE],
        ADMIN,
      )
    ).rows[0]!;
    const base = { check: 'search-vectors', subject: 'search_tsv' };
    const data = { emptyWithText: r.empty_with_text, broken: r.broken, generated: r.generated };
    const out: CheckResult[] = [];
    if (r.broken > 0) {
      out.push({
        ...base,
        status: 'fail',
        message:
          `${r.broken.toLocaleString('en-US')} rows have text but an empty search vector: full-text search cannot find them` +
          (r.generated === false ? ' (search_tsv is no longer a generated column; restore it as migration 0001 defines it)' : ''),
        // Updating a column of the row recomputes its stored generated columns.
        fix: `UPDATE ${TABLE} SET input_text = input_text WHERE search_tsv = ''::tsvector AND ${HAS_TEXT};`,
        data,
      });
    } else {
      out.push({ ...base, status: 'pass', message: 'every row with indexable text has a search vector', data });
    }
    const stopWordsOnly = r.empty_with_text - r.broken;
    if (stopWordsOnly > 0) {
      out.push({
        ...base,
        subject: 'search_tsv (stop words only)',
        status: 'info',
        message: `${stopWordsOnly.toLocaleString('en-US')} rows hold only stop words or punctuation: their vector is empty by design and no search term matches them`,
        data,
      });
    }
    return out;
  },
};
