import { describe, expect, it } from 'vitest';
import { analyticsEvent } from '../test/helpers/events';
import { createEnricher } from './enrich';

const event = (context: Record<string, unknown>) => analyticsEvent({ context });

const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

describe('edge enrichment', () => {
  const enrich = createEnricher('test-key');
  const meta = { ip: '203.0.113.7', userAgent: IPHONE, fromBrowser: true };

  it('never keeps the raw IP, from the context or the request', () => {
    const fromContext = enrich(event({ ip: '198.51.100.1' }), meta);
    expect(JSON.stringify(fromContext)).not.toContain('198.51.100.1');
    expect(fromContext.context.ip_hash).toMatch(/^[0-9a-f]{32}$/);
    const fromRequest = enrich(event({}), meta);
    expect(JSON.stringify(fromRequest)).not.toContain('203.0.113.7');
    expect(fromRequest.context.ip_hash).not.toBe(fromContext.context.ip_hash);
    expect(enrich(event({}), meta).context.ip_hash).toBe(fromRequest.context.ip_hash);
    expect(createEnricher('other-key')(event({}), meta).context.ip_hash).not.toBe(
      fromRequest.context.ip_hash,
    );
  });

  it('parses the user agent into device, os and browser', () => {
    const e = enrich(event({}), meta);
    expect(e.context.device).toMatchObject({ type: 'mobile', vendor: 'Apple', model: 'iPhone' });
    expect(e.context.os).toMatchObject({ name: 'iOS', version: '17.4' });
    expect(e.context.browser).toMatchObject({ name: 'Mobile Safari', version: '17' });
  });

  it('ignores a server SDK request user agent', () => {
    const e = enrich(event({}), { ...meta, userAgent: 'analytics-node/3.1.0', fromBrowser: false });
    expect(e.context.device).toBeUndefined();
  });
});
