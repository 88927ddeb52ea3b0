import type { InsightDefinition } from '../../core/insights/definition';
import { DefinitionStore, type Stored } from '../../core/metadata/definition-store';
import type { MetadataStore } from '../../core/metadata/store';

export type StoredInsight = Stored<InsightDefinition>;

/** Metrics defined without code, in PostgreSQL (sql/postgres/009_insights.sql). */
export class InsightStore extends DefinitionStore<InsightDefinition> {
  constructor(db: MetadataStore) {
    super(db, 'insights');
  }
}
