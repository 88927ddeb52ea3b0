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
import {
  DuckDBTypeId,
  JsonDuckDBValueConverter,
  type DuckDBDataChunk,
  type DuckDBType,
} from '@duckdb/node-api';

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

/** A DuckDB value read off its vector as the number (or bigint, Date, text) its Arrow column holds. */
function nativeValue(type: DataType, t: DuckDBType, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (type instanceof Int64) return typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v)));
  if (type instanceof Float64)
    return typeof v === 'number' ? v : ((v as { toDouble?: () => number }).toDouble?.() ?? Number(v));
  if (type instanceof TimestampMillisecond) {
    const o = v as { micros?: bigint; millis?: bigint; seconds?: bigint; nanos?: bigint };
    if (o.micros !== undefined) return Number(o.micros / 1000n);
    if (o.millis !== undefined) return Number(o.millis);
    if (o.seconds !== undefined) return Number(o.seconds) * 1000;
    if (o.nanos !== undefined) return Number(o.nanos / 1_000_000n);
  }
  if (type instanceof DateDay) return new Date((v as { days: number }).days * 86_400_000);
  if (type instanceof Utf8 && t.typeId !== DuckDBTypeId.VARCHAR) return String(v);
  return v;
}

/** The values of one column, fixed width, with their validity bitmap (Arrow's layout). */
function fixedColumn(
  type: DataType,
  n: number,
  values: BigInt64Array | Float64Array | Int32Array,
  valid: Uint8Array,
  nulls: number,
) {
  return makeData({
    type,
    length: n,
    nullCount: nulls,
    nullBitmap: nulls > 0 ? valid : null,
    data: values,
  } as never);
}

/** Text values as Arrow's UTF-8 column: one byte buffer and the offsets into it. */
function textColumn(type: DataType, texts: (string | null)[]) {
  const n = texts.length;
  const offsets = new Int32Array(n + 1);
  const valid = new Uint8Array((n + 7) >> 3);
  let bytes = 0;
  let nulls = 0;
  for (let k = 0; k < n; k++) {
    const t = texts[k];
    if (t === null || t === undefined) nulls++;
    else {
      valid[k >> 3]! |= 1 << (k & 7);
      bytes += Buffer.byteLength(t);
    }
    offsets[k + 1] = bytes;
  }
  const data = Buffer.allocUnsafe(bytes);
  for (let k = 0; k < n; k++) {
    const t = texts[k];
    if (t !== null && t !== undefined) data.write(t, offsets[k]!, 'utf8');
  }
  return makeData({
    type,
    length: n,
    nullCount: nulls,
    nullBitmap: nulls > 0 ? valid : null,
    valueOffsets: offsets,
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
  } as never);
}

/**
 * One DuckDB chunk as a record batch of the schema, read column by column off DuckDB's vectors
 * into Arrow's own buffers (typed arrays, one UTF-8 buffer per text column): numbers, times and
 * text cross as themselves, with no JSON in between. Only what has no plain Arrow twin (lists,
 * structs, maps, intervals) is written as its JSON text.
 */
export function batchOfChunk(schema: Schema, types: DuckDBType[], chunk: DuckDBDataChunk): RecordBatch {
  const n = chunk.rowCount;
  const children = schema.fields.map((f, i) => {
    const t = types[i]!;
    const ft = f.type;
    if (ft instanceof Utf8) {
      if (
        t.typeId === DuckDBTypeId.VARCHAR ||
        t.typeId === DuckDBTypeId.UUID ||
        t.typeId === DuckDBTypeId.ENUM
      ) {
        const vector = chunk.getColumnVector(i);
        const texts = new Array<string | null>(n);
        for (let k = 0; k < n; k++) {
          const v = vector.getItem(k);
          texts[k] = v === null ? null : typeof v === 'string' ? v : String(v);
        }
        return textColumn(ft, texts);
      }
      const json = chunk.convertColumnValues(i, JsonDuckDBValueConverter);
      return textColumn(
        ft,
        json.map((v) => (v === null ? null : typeof v === 'string' ? v : JSON.stringify(v))),
      );
    }
    const vector = chunk.getColumnVector(i);
    if (
      ft instanceof Int64 ||
      ft instanceof TimestampMillisecond ||
      ft instanceof Float64 ||
      ft instanceof Int32 ||
      ft instanceof DateDay
    ) {
      const values =
        ft instanceof Float64
          ? new Float64Array(n)
          : ft instanceof Int32 || ft instanceof DateDay
            ? new Int32Array(n)
            : new BigInt64Array(n);
      const valid = new Uint8Array((n + 7) >> 3);
      let nulls = 0;
      const micros =
        ft instanceof TimestampMillisecond &&
        (t.typeId === DuckDBTypeId.TIMESTAMP || t.typeId === DuckDBTypeId.TIMESTAMP_TZ);
      for (let k = 0; k < n; k++) {
        const item = vector.getItem(k);
        if (micros && item !== null && values instanceof BigInt64Array) {
          // The common case, without a trip through Number: microseconds to milliseconds.
          valid[k >> 3]! |= 1 << (k & 7);
          values[k] = (item as { micros: bigint }).micros / 1000n;
          continue;
        }
        const v = nativeValue(ft, t, item);
        if (v === null) {
          nulls++;
          continue;
        }
        valid[k >> 3]! |= 1 << (k & 7);
        if (values instanceof BigInt64Array) values[k] = typeof v === 'bigint' ? v : BigInt(v as number);
        else if (ft instanceof DateDay) values[k] = Math.round((v as Date).getTime() / 86_400_000);
        else values[k] = v as number;
      }
      return fixedColumn(ft, n, values, valid, nulls);
    }
    const values = new Array<unknown>(n);
    for (let k = 0; k < n; k++) values[k] = nativeValue(ft, t, vector.getItem(k));
    return vectorFromArray(values, ft).data[0]!;
  });
  return new RecordBatch(
    schema,
    makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children }),
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
