import { DuckDBInstance, timestampValue, type DuckDBConnection } from '@duckdb/node-api';
import { actorId, type AnalyticsEvent } from '../core/events/event';
import type { LakeStorage } from '../core/lake/storage';
import { quoteLiteral } from './sql-literal';

/**
 * Columns of the lake's event files. Properties and context stay JSON text: schema-on-read.
 * `sent_at` (the client's clock when it sent the event, for the clock-skew figures) came later:
 * files written before lack it, so readers that name it read with union_by_name.
 */
const STAGE_DDL = `CREATE OR REPLACE TEMP TABLE stage (
  event_id VARCHAR, project_id VARCHAR, type VARCHAR, event VARCHAR,
  user_id VARCHAR, anonymous_id VARCHAR, actor_id VARCHAR,
  event_time TIMESTAMP, received_at TIMESTAMP,
  properties VARCHAR, context VARCHAR,
  kafka_topic VARCHAR, kafka_partition INTEGER, kafka_offset BIGINT,
  sent_at TIMESTAMP)`;

const QUARANTINE_DDL = `CREATE OR REPLACE TEMP TABLE stage_q (
  project_id VARCHAR, reason VARCHAR, received_at TIMESTAMP, raw VARCHAR,
  kafka_topic VARCHAR, kafka_partition INTEGER, kafka_offset BIGINT)`;

export interface QuarantineRecord {
  projectId: string;
  reason: string;
  receivedAt: string;
  raw: unknown;
  topic: string;
  partition: number;
  offset: string;
}

export interface LakeRecord {
  event: AnalyticsEvent;
  topic: string;
  partition: number;
  offset: string;
}

const micros = (iso: string) => BigInt(Date.parse(iso)) * 1000n;

/** Writes Parquet files with DuckDB's writer; one in-memory instance per writer. */
export class ParquetWriter {
  private constructor(
    private readonly conn: DuckDBConnection,
    private readonly lake: LakeStorage,
  ) {}

  static async open(lake: LakeStorage): Promise<ParquetWriter> {
    const db = await DuckDBInstance.create(':memory:', { threads: '1' });
    return new ParquetWriter(await db.connect(), lake);
  }

  /** Writes `records` to the lake at `file` (a key), whole: a scratch file, then published. */
  async write(file: string, records: LakeRecord[]): Promise<void> {
    await this.conn.run(STAGE_DDL);
    const appender = await this.conn.createAppender('stage');
    for (const r of records) {
      const e = r.event;
      appender.appendVarchar(e.eventId);
      appender.appendVarchar(e.projectId);
      appender.appendVarchar(e.type);
      appender.appendVarchar(e.event);
      if (e.userId === null) appender.appendNull();
      else appender.appendVarchar(e.userId);
      if (e.anonymousId === null) appender.appendNull();
      else appender.appendVarchar(e.anonymousId);
      appender.appendVarchar(actorId(e));
      appender.appendTimestamp(timestampValue(micros(e.timestamp)));
      appender.appendTimestamp(timestampValue(micros(e.receivedAt)));
      appender.appendVarchar(JSON.stringify(e.properties));
      appender.appendVarchar(JSON.stringify(e.context));
      appender.appendVarchar(r.topic);
      appender.appendInteger(r.partition);
      appender.appendBigInt(BigInt(r.offset));
      if (e.sentAt === null) appender.appendNull();
      else appender.appendTimestamp(timestampValue(micros(e.sentAt)));
      appender.endRow();
    }
    appender.closeSync();
    await this.copyAtomically('SELECT * FROM stage ORDER BY event_time, event_id', file);
  }

  /** Quarantined events: the reason, when it arrived, and the payload as JSON text. */
  async writeQuarantine(file: string, records: QuarantineRecord[]): Promise<void> {
    await this.conn.run(QUARANTINE_DDL);
    const appender = await this.conn.createAppender('stage_q');
    for (const r of records) {
      appender.appendVarchar(r.projectId);
      appender.appendVarchar(r.reason);
      appender.appendTimestamp(timestampValue(micros(r.receivedAt)));
      appender.appendVarchar(JSON.stringify(r.raw) ?? 'null');
      appender.appendVarchar(r.topic);
      appender.appendInteger(r.partition);
      appender.appendBigInt(BigInt(r.offset));
      appender.endRow();
    }
    appender.closeSync();
    await this.copyAtomically('SELECT * FROM stage_q ORDER BY kafka_offset', file);
  }

  private async copyAtomically(select: string, file: string): Promise<void> {
    const tmp = await this.lake.scratch('part.parquet');
    await this.conn.run(`COPY (${select}) TO ${quoteLiteral(tmp)} (FORMAT parquet, COMPRESSION zstd)`);
    await this.lake.publishFile(tmp, file);
  }

  close(): void {
    this.conn.closeSync();
  }
}
