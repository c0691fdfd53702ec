// A query shape whose plan the doctor checks: a search body as clients send
// it, and the index it is meant to use.
import type { SearchBody } from '../query/request.js';

export interface QueryShape {
  readonly name: string;
  readonly body: SearchBody;
  /** The index the plan must show (exact name or pattern); absent: any index will do. */
  readonly expectIndex?: string | RegExp;
  /**
   * The caller's projects. Absent: the project of the most recent span, so the
   * plan is the one a tenant's request gets (scoped by project_id). null: an
   * admin over every project.
   */
  readonly projects?: readonly string[] | null;
  /**
   * A value most rows carry: walking a time-ordered index and filtering is the
   * right plan, so a full-text predicate need not be served by a GIN index.
   */
  readonly commonValue?: boolean;
}
