import { z } from 'zod';
import { isoTimeField as iso } from '../../core/values/iso-time';
import { DefinitionStore, type Stored } from '../../core/metadata/definition-store';
import type { MetadataStore } from '../../core/metadata/store';

/** Ids of saved queries: as insights', so a dashboard tile or a link can name one. */
export const QUERY_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** The longest statement accepted, in characters. */
export const MAX_STATEMENT = 100_000;

const statement = z
  .string({ error: 'query is required: the SQL statement' })
  .trim()
  .min(1, 'query is empty')
  .max(MAX_STATEMENT, `query is longer than ${MAX_STATEMENT} characters`);

/** POST /v1/sql: a statement over a range (default: the last 30 days). */
export const SqlRequestSchema = z
  .object({ query: statement, from: iso('from').optional(), to: iso('to').optional() })
  .strict();

/** A saved query (POST /v1/queries): a name, the statement, and how a dashboard draws it. */
export const SavedQuerySchema = z
  .object({
    id: z.string({ error: 'id is required' }).regex(QUERY_ID, 'id is lower-case letters, digits, _ and -'),
    name: z.string().trim().min(1, 'name is empty').max(200, 'name is longer than 200 characters'),
    description: z.string().max(2000).optional(),
    query: statement,
  })
  .strict();
export type SavedQuery = z.output<typeof SavedQuerySchema>;

/** Saved queries in PostgreSQL (sql/postgres/012_sql.sql). */
export class SavedQueryStore extends DefinitionStore<SavedQuery> {
  constructor(db: MetadataStore) {
    super(db, 'queries');
  }
}
export type StoredQuery = Stored<SavedQuery>;
