import type { SegmentDefinition } from '../../core/segments/definition';
import { DefinitionStore, type Stored } from '../../core/metadata/definition-store';
import type { MetadataStore } from '../../core/metadata/store';

export type StoredSegment = Stored<SegmentDefinition>;

/** Segment definitions in PostgreSQL (sql/postgres/007_segments.sql). */
export class SegmentStore extends DefinitionStore<SegmentDefinition> {
  constructor(db: MetadataStore) {
    super(db, 'segments');
  }
}
