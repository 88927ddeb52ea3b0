import type { ExperimentDefinition } from '../../core/experiments/definition';
import { DefinitionStore, type Stored } from '../../core/metadata/definition-store';
import type { MetadataStore } from '../../core/metadata/store';

export type StoredExperiment = Stored<ExperimentDefinition>;

/** Experiment definitions in PostgreSQL (sql/postgres/006_experiments.sql). */
export class ExperimentStore extends DefinitionStore<ExperimentDefinition> {
  constructor(db: MetadataStore) {
    super(db, 'experiments');
  }
}
