import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RangeState, RangeStore } from '../core/kafka-ranges';

/**
 * The archiver's record of its ranges, kept in the lake beside the data it describes
 * (`_state/<group>/<topic>-<partition>.json`), written atomically by rename.
 */
export class LakeRangeStore implements RangeStore {
  constructor(
    private readonly lakeRoot: string,
    private readonly groupId: string,
  ) {}

  private file(topic: string, partition: number): string {
    return join(this.lakeRoot, '_state', this.groupId, `${topic}-${partition}.json`);
  }

  async load(topic: string, partition: number): Promise<RangeState | undefined> {
    const f = this.file(topic, partition);
    if (!existsSync(f)) return undefined;
    const s = JSON.parse(readFileSync(f, 'utf8')) as {
      first: string;
      last: string;
      phase: RangeState['phase'];
    };
    return { first: BigInt(s.first), last: BigInt(s.last), phase: s.phase };
  }

  async save(topic: string, partition: number, state: RangeState): Promise<void> {
    const f = this.file(topic, partition);
    mkdirSync(join(this.lakeRoot, '_state', this.groupId), { recursive: true });
    writeFileSync(
      `${f}.tmp`,
      JSON.stringify({ first: state.first.toString(), last: state.last.toString(), phase: state.phase }),
    );
    renameSync(`${f}.tmp`, f);
  }
}
