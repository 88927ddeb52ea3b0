import { describe, expect, it } from 'vitest';
import { analyticsEvent } from '../test/helpers/events';
import { createEnricher } from './enrich';
import { bundledGeoDir, openGeoDatabase } from './geo';

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

describe('places, campaigns and referrers', () => {
  const geo = openGeoDatabase(bundledGeoDir());
  const enrich = createEnricher('test-key', geo);
  const server = { ip: undefined, userAgent: undefined, fromBrowser: false };
  const at = (ip: string) => enrich(event({ ip }), server).context.location;

  it('places known addresses to the country, region and city, IPv4 and IPv6', () => {
    expect(at('81.2.69.142')).toEqual({ country: 'GB', region: 'England', city: 'London' });
    expect(at('193.51.224.1')).toMatchObject({ country: 'FR', city: 'Paris' });
    expect(at('8.8.8.8')).toMatchObject({ country: 'US', region: 'California' });
    expect(at('1.1.1.1')).toMatchObject({ country: 'AU' });
    expect(at('2a00:1450:4001::1')).toMatchObject({ country: 'DE' });
    expect(at('::ffff:193.51.224.1')).toMatchObject({ country: 'FR' });
  });

  it('keeps no place for private, documentation or malformed addresses, and never the address', () => {
    for (const ip of ['127.0.0.1', '203.0.113.7', 'not an address', '999.1.1.1']) {
      const e = enrich(event({ ip }), server);
      expect(e.context.location).toBeUndefined();
      expect(JSON.stringify(e)).not.toContain(ip);
    }
  });

  it("keeps the client's own location fields over the database's", () => {
    const e = enrich(event({ ip: '81.2.69.142', location: { city: 'Croydon' } }), server);
    expect(e.context.location).toEqual({ country: 'GB', region: 'England', city: 'Croydon' });
  });

  it('reads the campaign from the SDK, else from the page address', () => {
    const sdk = enrich(event({ campaign: { source: 'newsletter', name: 'winter' } }), server);
    expect(sdk.context.campaign).toEqual({ source: 'newsletter', name: 'winter' });
    const page = enrich(
      event({
        page: {
          url: 'https://shop.example/?utm_source=google&utm_medium=cpc&utm_campaign=sale&utm_term=shoes',
        },
      }),
      server,
    );
    expect(page.context.campaign).toEqual({ source: 'google', medium: 'cpc', name: 'sale', term: 'shoes' });
    expect(enrich(event({ page: { url: 'not a url' } }), server).context.campaign).toBeUndefined();
  });

  it('keeps the referring domain, not the site itself', () => {
    const from = (referrer: string) =>
      enrich(event({ page: { url: 'https://www.shop.example/p', referrer } }), server).context
        .referrer_domain;
    expect(from('https://www.Google.com/search?q=x')).toBe('google.com');
    expect(from('https://news.ycombinator.com/item?id=1')).toBe('news.ycombinator.com');
    expect(from('https://shop.example/other')).toBeUndefined();
    expect(from('android-app://com.example')).toBeUndefined();
  });
});
