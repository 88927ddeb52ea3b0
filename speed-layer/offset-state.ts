import type { ClickHouseClient } from '@clickhouse/client';
import type { RangeState, RangeStore } from '../core/kafka/ranges';

export type { RangeState };

/**
 * The speed layer's record of what it wrote (table speed_offsets). The version orders records by
 * log position, 'after' above 'before' of the same range, so the newest fact always wins the
 * ReplacingMergeTree merge, whatever the clock says.
 */
export class OffsetStateStore implements RangeStore {
  constructor(
    private readonly client: ClickHouseClient,
    private readonly database: string,
    private readonly groupId: string,
  ) {}

  async load(topic: string, partition: number): Promise<RangeState | undefined> {
    const r = await this.client.query({
      query: `SELECT toString(first_offset) AS first, toString(last_offset) AS last, toString(phase) AS phase
              FROM {db:Identifier}.speed_offsets FINAL
              WHERE group_id = {group:String} AND topic = {topic:String} AND partition = {partition:UInt32}`,
      query_params: { db: this.database, group: this.groupId, topic, partition },
      format: 'JSONEachRow',
    });
    const row = (await r.json<{ first: string; last: string; phase: 'before' | 'after' }>())[0];
    return row ? { first: BigInt(row.first), last: BigInt(row.last), phase: row.phase } : undefined;
  }

  async save(topic: string, partition: number, state: RangeState): Promise<void> {
    await this.client.insert({
      table: `${this.database}.speed_offsets`,
      values: [
        {
          group_id: this.groupId,
          topic,
          partition,
          first_offset: state.first.toString(),
          last_offset: state.last.toString(),
          phase: state.phase,
          version: (state.last * 2n + (state.phase === 'after' ? 1n : 0n)).toString(),
        },
      ],
      format: 'JSONEachRow',
    });
  }
}
