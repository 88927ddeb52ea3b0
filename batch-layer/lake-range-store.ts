import type { RangeState, RangeStore } from '../core/kafka/ranges';
import { rangeStateKey } from '../core/lake/layout';
import { RangeStateSchema, readRecord, writeRecord } from '../core/lake/records';
import type { LakeStorage } from '../core/lake/storage';

/**
 * The archiver's record of its ranges, kept in the lake beside the data it describes
 * (`_state/<group>/<topic>-<partition>.json`), each written whole.
 */
export class LakeRangeStore implements RangeStore {
  constructor(
    private readonly lake: LakeStorage,
    private readonly groupId: string,
  ) {}

  async load(topic: string, partition: number): Promise<RangeState | undefined> {
    const s = await readRecord(this.lake, rangeStateKey(this.groupId, topic, partition), RangeStateSchema);
    return s && { first: BigInt(s.first), last: BigInt(s.last), phase: s.phase };
  }

  async save(topic: string, partition: number, state: RangeState): Promise<void> {
    await writeRecord(this.lake, rangeStateKey(this.groupId, topic, partition), RangeStateSchema, {
      first: state.first.toString(),
      last: state.last.toString(),
      phase: state.phase,
    });
  }
}
