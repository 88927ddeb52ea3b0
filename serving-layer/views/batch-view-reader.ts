import { join } from 'node:path';
import { DuckDBInstance, LIST, listValue, timestampValue, VARCHAR } from '@duckdb/node-api';
import { hourDir, readHourPointer, readWatermark } from '../../batch-layer/batch-views';

const HOUR = 3_600_000;

/**
 * Reads the batch views (Parquet in the lake) for the serving layer, with embedded DuckDB: only
 * hours up to the batch watermark, which are sealed and authoritative.
 */
export class BatchViewReader {
  private constructor(
    private readonly db: DuckDBInstance,
    private readonly lakeRoot: string,
  ) {}

  static async open(lakeRoot: string): Promise<BatchViewReader> {
    return new BatchViewReader(await DuckDBInstance.create(':memory:', { threads: '2' }), lakeRoot);
  }

  /** End of the last sealed hour (exclusive), or undefined when nothing is sealed yet. */
  watermarkEnd(): Date | undefined {
    const w = readWatermark(this.lakeRoot);
    return w.hour ? new Date(Date.parse(w.hour) + HOUR) : undefined;
  }

  /** Sum of a count/sum metric over [from, to), which must lie within sealed hours. */
  async total(
    project: string,
    metric: string,
    from: Date,
    to: Date,
  ): Promise<{ count: number; sum: number; hours: number }> {
    const files: string[] = [];
    for (let h = Math.floor(from.getTime() / HOUR) * HOUR; h < to.getTime(); h += HOUR) {
      const hour = new Date(h).toISOString();
      const p = readHourPointer(this.lakeRoot, hour);
      if (p) files.push(join(hourDir(this.lakeRoot, hour), p.measures));
    }
    if (files.length === 0) return { count: 0, sum: 0, hours: 0 };
    const conn = await this.db.connect();
    try {
      const r = await conn.runAndReadAll(
        `SELECT coalesce(sum(count), 0)::BIGINT AS count, coalesce(sum(sum), 0)::DOUBLE AS sum
         FROM read_parquet($files)
         WHERE project_id = $project AND metric = $metric AND minute >= $from AND minute < $to`,
        {
          files: listValue(files),
          project,
          metric,
          from: timestampValue(BigInt(from.getTime()) * 1000n),
          to: timestampValue(BigInt(to.getTime()) * 1000n),
        },
        { files: LIST(VARCHAR) },
      );
      const row = r.getRowObjectsJson()[0] ?? {};
      return { count: Number(row.count ?? 0), sum: Number(row.sum ?? 0), hours: files.length };
    } finally {
      conn.closeSync();
    }
  }

  close(): void {
    this.db.closeSync();
  }
}
