import type { BatchEngineName } from '../core/batch-engines';
import type { BigQuerySettings } from '../core/config/config';
import type { HttpfsSource, LakeStorage } from '../core/lake/storage';
import { BigQueryEngine } from './bigquery-engine';
import { DuckDbEngine } from './duckdb-engine';
import type { BatchEngine } from './engine';

export interface EngineSettings {
  /** The engine of runs that name none. */
  default: BatchEngineName;
  /** Without these a worker runs DuckDB only, and says so to a run that asks for BigQuery. */
  bigquery?: BigQuerySettings;
  httpfs?: HttpfsSource;
  failpoints?: string[];
  log?: (msg: string, fields: Record<string, unknown>) => void;
}

/** A worker's batch engines, each opened on first use and kept; a failed open is tried again next time. */
export class Engines {
  private readonly opened = new Map<BatchEngineName, Promise<BatchEngine>>();

  constructor(
    private readonly lake: LakeStorage,
    private readonly s: EngineSettings,
  ) {}

  get defaultName(): BatchEngineName {
    return this.s.default;
  }

  /** The engine of this name (the default when none), opened if it was not yet. */
  async get(name: BatchEngineName = this.s.default): Promise<BatchEngine> {
    let engine = this.opened.get(name);
    if (!engine) {
      engine = this.open(name);
      this.opened.set(name, engine);
      engine.catch(() => this.opened.delete(name));
    }
    return engine;
  }

  private async open(name: BatchEngineName): Promise<BatchEngine> {
    if (name === 'duckdb') return DuckDbEngine.open(this.lake);
    const { bigquery, httpfs } = this.s;
    if (!bigquery || !httpfs) throw new Error('this worker was started without BigQuery settings');
    return BigQueryEngine.open(this.lake, bigquery, {
      httpfs,
      ...(this.s.failpoints ? { failpoints: this.s.failpoints } : {}),
      ...(this.s.log ? { log: this.s.log } : {}),
    });
  }

  async close(): Promise<void> {
    for (const e of this.opened.values()) (await e.catch(() => undefined))?.close();
  }
}
