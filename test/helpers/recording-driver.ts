// The real driver, recording the SQL text it is given, to prove user input
// never lands in SQL text (it travels only as parameters).
import type { Driver } from '../../src/storage/driver.js';

export function recording(driver: Driver): { driver: Driver; sql: string[] } {
  const sql: string[] = [];
  const wrapped = Object.create(driver) as Driver;
  wrapped.query = (text, params, opts) => {
    sql.push(text);
    return driver.query(text, params, opts);
  };
  return { driver: wrapped, sql };
}
