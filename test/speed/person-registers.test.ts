import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '@clickhouse/client';
import { createClickHouse } from '../../core/clickhouse/client';
import { LocalStorage } from '../../core/lake/local-storage';
import { hllRegister } from '../../core/sketches/hll';
import { applyClickHouseSchema } from '../../speed-layer/schema';
import { RawEventReader } from '../../serving-layer/views/raw-event-reader';
import { trackEvent, writeLake } from '../helpers/lake';
import { addSpeedEvents } from '../helpers/seed-views';
import { isolatedConfig } from '../helpers/test-config';

const HOUR = 3_600_000;
// Recent hours: the speed view keeps events for its horizon (48 h) only.
const START = Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR;

/**
 * Persons' HyperLogLog registers as each engine computes them (DuckDB over the lake, ClickHouse
 * over the speed view) equal the ones core/sketches/hll.ts gives in Node for the same persons:
 * the two layers' sketches of one bucket merge, so a person on both sides of the watermark must
 * hash alike in both. Ids are taken to their person by the lists given; others are their own.
 */
describe("persons' registers in both engines", () => {
  const config = isolatedConfig('person-registers');
  let clickhouse: ClickHouseClient;
  let reader: RawEventReader;
  // 3,000 ids over two hours; ids of a multiple of 3 belong to one of 400 persons.
  const ids = Array.from({ length: 3000 }, (_, i) => `id-${i}`);
  const personOf = (id: string) => {
    const i = Number(id.slice(3));
    return i % 3 === 0 ? `person-${i % 400}` : id;
  };
  const joined = { ids: ids.filter((id) => personOf(id) !== id), persons: [] as string[] };
  joined.persons = joined.ids.map(personOf);
  const events = ids.flatMap((id, i) =>
    [0, 1].map((k) =>
      trackEvent({
        eventId: `e-${i}-${k}`,
        projectId: 'p',
        event: 'page',
        userId: id,
        at: START + (k === 0 ? (i % 60) * 60_000 : HOUR + (i % 7) * 60_000),
        properties: {},
      }),
    ),
  );

  beforeAll(async () => {
    await writeLake(config.lake.root, events);
    clickhouse = createClickHouse(config);
    await applyClickHouseSchema(clickhouse, config.clickhouse.database);
    await addSpeedEvents(config, clickhouse, events);
    reader = new RawEventReader(clickhouse, config.clickhouse.database, new LocalStorage(config.lake.root));
  }, 60_000);
  afterAll(async () => {
    reader?.close();
    await clickhouse?.close();
  });

  /** Node's registers per hour: each person's (reg, rank), the highest rank per register. */
  const truth = () => {
    const out = new Map<number, Map<number, number>>();
    for (const e of events) {
      const bucket = Math.floor(Date.parse(e.timestamp) / HOUR) * HOUR;
      const { reg, rank } = hllRegister(personOf(e.userId as string));
      const regs = out.get(bucket) ?? new Map<number, number>();
      regs.set(reg, Math.max(regs.get(reg) ?? 0, rank));
      out.set(bucket, regs);
    }
    return [...out].flatMap(([b, regs]) => [...regs].map(([reg, rank]) => `${b}:${reg}:${rank}`)).sort();
  };
  const read = async (split: number) => {
    const layers = await reader.personRegisters(
      { project: 'p', from: new Date(START), split: new Date(split), to: new Date(START + 2 * HOUR) },
      { stepMs: HOUR, persons: joined },
    );
    expect(layers).toHaveLength(1);
    return layers[0]!.rows.map(([b, reg, rank]) => `${b}:${reg}:${rank}`).sort();
  };

  it('DuckDB over the lake gives the registers Node gives', async () => {
    const want = truth();
    expect(want.length).toBeGreaterThan(2000);
    expect(await read(START + 2 * HOUR)).toEqual(want);
  });

  it('ClickHouse over the speed view gives the same', async () => {
    expect(await read(START)).toEqual(truth());
  });
});
