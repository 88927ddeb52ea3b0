import { beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../core/config/config';
import { openLake } from '../../core/lake/open-lake';
import { RawEventReader } from '../../serving-layer/views/raw-event-reader';
import { trackEvent, writeLake } from '../helpers/lake';
import { isolatedConfig } from '../helpers/test-config';

const HOUR = 3_600_000;

/**
 * The lake's side of what experiment results read (the part before the watermark): events by
 * name with the raw JSON of chosen properties, each event once even when the lake holds it twice.
 */
describe('raw events with properties, from the lake', () => {
  let config: Config;
  const t0 = Math.floor(Date.now() / HOUR) * HOUR - 30 * HOUR;
  const event = (eventId: string, name: string, at: number, properties: Record<string, unknown>) =>
    trackEvent({ eventId, projectId: 'lakexp', event: name, userId: 'u-1', at, properties });

  beforeAll(async () => {
    config = isolatedConfig('lake-experiment-events');
    const purchase = event('e-2', 'purchase', t0 + 2 * 60_000, { total_amount: 12.5, currency: 'EUR' });
    await writeLake(config.lake.root, [
      event('e-1', 'Experiment Viewed', t0 + 60_000, { experiment_id: 'checkout', variation_id: 'one-page' }),
      purchase,
      event('e-3', 'page', t0 + 3 * 60_000, { path: '/"quoted"' }),
    ]);
    // The same purchase again (a client retry archived twice): read once.
    await writeLake(config.lake.root, [purchase], 'part-retry');
  });

  it('reads each event once, with the raw JSON of each property asked for', async () => {
    // Only the lake: the split is the end of the range (ClickHouse is never asked).
    const reader = new RawEventReader(undefined as never, 'unused', openLake(config.lake));
    const from = new Date(t0);
    const to = new Date(t0 + HOUR);
    const rows = await reader.propertyEvents(
      { project: 'lakexp', from, split: to, to },
      { events: ['Experiment Viewed', 'purchase'], props: ['experiment_id', 'variation_id', 'total_amount'] },
    );
    expect(rows.sort((a, b) => a[2] - b[2])).toEqual([
      ['u-1', 'Experiment Viewed', t0 + 60_000, '"checkout"', '"one-page"', null],
      ['u-1', 'purchase', t0 + 2 * 60_000, null, null, '12.5'],
    ]);
    const all = await reader.propertyEvents(
      { project: 'lakexp', from, split: to, to },
      { events: undefined, props: ['path'] },
    );
    expect(all.map((r) => [r[1], r[3]]).sort()).toEqual([
      ['Experiment Viewed', null],
      ['page', '"/\\"quoted\\""'],
      ['purchase', null],
    ]);
    reader.close();
  });
});
