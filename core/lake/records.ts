import { z } from 'zod';
import type { LakeStorage } from './storage';

/**
 * The lake's JSON records, one schema each: what writers write and readers check. A record that
 * does not match is an error naming the file, not a value read half-right.
 */
export const HourPointerSchema = z.object({
  hour: z.string(),
  version: z.string(),
  measures: z.string(),
  uniques: z.string(),
  events: z.number(),
  computedAt: z.string(),
  /**
   * What the view was computed from (batch-layer/hour-inputs.ts): the lake files of the hour and
   * the catalog's SQL. A recompute that finds the same inputs keeps this view. Absent for views
   * computed for some projects only.
   */
  inputs: z.string().optional(),
  /**
   * The lake archiver's last written offset per `topic-partition` when the view was computed: the
   * view holds every event up to them, so late events at or below them are in it.
   */
  archived: z.record(z.string(), z.string()).optional(),
  /**
   * Per project id, the BigQuery load holding the project's events of the hour and the fingerprint
   * of the lake files it loaded (views the BigQuery engine computed): while the lake's files are
   * still those, BigQuery answers the project's persons and sessions of the hour from that load.
   */
  loads: z.record(z.string(), z.object({ load: z.string(), files: z.string() })).optional(),
});
export type HourPointer = z.infer<typeof HourPointerSchema>;

export const DayPointerSchema = z.object({
  day: z.string(),
  version: z.string(),
  measures: z.string(),
  uniques: z.string(),
  hours: z.array(z.string()),
  computedAt: z.string(),
  /**
   * The version of each hour rolled up: readers use the day's view for a whole day only while
   * every hour's view in force is the one rolled up (a repaired hour makes the day stale). Absent
   * in days rolled up before it was recorded: those are never read.
   */
  hourVersions: z.record(z.string(), z.string()).optional(),
  /**
   * The day's hours stamp (layout.ts dayHoursStampKey) read before its hours were: while the
   * stamp is still this, no hour of the day was published since, and the view is current without
   * reading the 24 hour pointers. Absent in days rolled up before it was recorded.
   */
  hoursStamp: z.string().optional(),
});
export type DayPointer = z.infer<typeof DayPointerSchema>;

const KafkaRangeSchema = z.object({
  topic: z.string(),
  partition: z.number().int(),
  first: z.string(),
  last: z.string(),
});

/** The speed layer's hand-off to the batch layer: hours that received late events. */
export const LateMarkerSchema = z.object({
  /** The Kafka range whose events were late. */
  range: KafkaRangeSchema,
  hours: z.array(z.object({ projectId: z.string(), hour: z.string(), events: z.number() })),
});
export type LateMarkerBody = z.infer<typeof LateMarkerSchema>;

/** The archiver's record of a partition's range (core/kafka/ranges.ts), offsets as text. */
export const RangeStateSchema = z.object({
  first: z.string(),
  last: z.string(),
  phase: z.enum(['before', 'after']),
});

/** Reads and checks a JSON record; undefined when the file does not exist. */
export async function readRecord<T>(
  storage: LakeStorage,
  key: string,
  schema: z.ZodType<T>,
): Promise<T | undefined> {
  const bytes = await storage.read(key);
  if (bytes === undefined) return undefined;
  const parsed = schema.safeParse(JSON.parse(bytes.toString('utf8')));
  if (!parsed.success) throw new Error(`lake record ${key} is malformed: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** Writes a JSON record whole, checked against its schema first. */
export async function writeRecord<T>(
  storage: LakeStorage,
  key: string,
  schema: z.ZodType<T>,
  value: T,
  pretty = false,
): Promise<void> {
  await storage.write(key, JSON.stringify(schema.parse(value), null, pretty ? 2 : undefined));
}
