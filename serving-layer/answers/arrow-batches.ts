import {
  Bool,
  DateDay,
  Field,
  Float64,
  Int32,
  Int64,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  tableToIPC,
  TimestampMillisecond,
  Utf8,
  vectorFromArray,
  type DataType,
} from 'apache-arrow';
import { DuckDBTypeId, type DuckDBType } from '@duckdb/node-api';

/** A column of a table an answer is sent as: its name and Arrow type. */
export interface ArrowColumn {
  name: string;
  type: DataType;
}

/** The Arrow type a DuckDB column is sent as; what has no plain Arrow twin (lists, structs, intervals) goes as its JSON text. */
export function arrowTypeOf(t: DuckDBType): DataType {
  switch (t.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return new Bool();
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
      return new Int32();
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return new Int64();
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.DECIMAL:
      return new Float64();
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return new TimestampMillisecond('UTC');
    case DuckDBTypeId.DATE:
      return new DateDay();
    default:
      return new Utf8();
  }
}

/** DuckDB's text of a time ("2026-03-01 12:00:00.123", maybe "+00") as epoch ms. */
export const epochMsOf = (text: string): number =>
  Date.parse(`${text.replace(' ', 'T').replace(/[+-]00(:00)?$/, '')}${/[zZ]$/.test(text) ? '' : 'Z'}`);

/** One value (as DuckDB gives it in JSON) in the form its Arrow builder takes. */
function arrowValue(type: DataType, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (type instanceof Int64) return BigInt(typeof v === 'number' ? Math.trunc(v) : String(v));
  if (type instanceof Int32 || type instanceof Float64) return Number(v);
  if (type instanceof Bool) return Boolean(v);
  if (type instanceof TimestampMillisecond) return typeof v === 'number' ? v : epochMsOf(String(v));
  if (type instanceof DateDay) return new Date(`${String(v)}T00:00:00Z`);
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/**
 * Column names made unique (`n`, `n_2`...): SQL may name two columns alike, and Arrow readers
 * (this library's own tables among them) take a name to be one column.
 */
export function uniqueNames(names: string[]): string[] {
  const taken = new Set<string>();
  return names.map((n) => {
    let name = n;
    for (let k = 2; taken.has(name); k++) name = `${n}_${k}`;
    taken.add(name);
    return name;
  });
}

/** The schema of an answer's table, with the answer's own facts (layers, watermark) as metadata. */
export function schemaOf(columns: ArrowColumn[], metadata: Record<string, string> = {}): Schema {
  const names = uniqueNames(columns.map((c) => c.name));
  return new Schema(
    columns.map((c, i) => new Field(names[i]!, c.type, true)),
    new Map(Object.entries(metadata)),
  );
}

/** Rows (arrays in column order) as one record batch of the schema. */
export function batchOf(schema: Schema, rows: unknown[][]): RecordBatch {
  const children = schema.fields.map(
    (f, i) =>
      vectorFromArray(
        rows.map((r) => arrowValue(f.type, r[i])),
        f.type,
      ).data[0]!,
  );
  return new RecordBatch(
    schema,
    makeData({ type: new Struct(schema.fields), length: rows.length, nullCount: 0, children }),
  );
}

/** The 8 bytes that end an Arrow IPC stream: a continuation marker and a zero length. */
const EOS = 8;

/**
 * An Arrow IPC stream written batch by batch, so an answer goes out as it is read: the schema
 * message once, then each batch's message, then the end marker. Each piece is cut from the
 * library's own encoding of a one-batch stream (schema, batch, end), so the bytes are its own.
 */
export class ArrowStreamPieces {
  private readonly schemaBytes: number;

  constructor(private readonly schema: Schema) {
    this.schemaBytes = tableToIPC(new Table(schema), 'stream').length - EOS;
  }

  /** The schema message: what a stream starts with. */
  head(): Uint8Array {
    const whole = tableToIPC(new Table(this.schema), 'stream');
    return whole.subarray(0, whole.length - EOS);
  }

  /** One batch's message. */
  batch(b: RecordBatch): Uint8Array {
    const whole = tableToIPC(new Table([b]), 'stream');
    return whole.subarray(this.schemaBytes, whole.length - EOS);
  }

  /** The end of the stream. */
  static end(): Uint8Array {
    return Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
  }
}
