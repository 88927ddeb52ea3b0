import { createHmac } from 'node:crypto';
import { UAParser } from 'ua-parser-js';
import type { AnalyticsEvent } from '../core/events/event';
import { campaignOf, referrerDomainOf } from './attribution';
import type { GeoDatabase } from './geo';

/** What the collector knows about the HTTP request an event came in. */
export interface RequestMeta {
  ip: string | undefined;
  userAgent: string | undefined;
  /** Browsers send Origin on cross-origin POSTs; their request User-Agent describes the user's device. */
  fromBrowser: boolean;
}

type Parsed = { device: Record<string, string>; os: Record<string, string>; browser: Record<string, string> };

const UA_CACHE_LIMIT = 10_000;

const defined = (o: Record<string, string | undefined>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(o).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''),
  );

/**
 * Edge enrichment: the IP address is replaced by a keyed hash (never stored raw: it is personal
 * data, and a keyed hash cannot be reversed by enumerating the address space without the key) and
 * by its place (`context.location`: country, region, city, from the offline database `geo` when
 * given); the user agent is parsed into device, os and browser; the campaign (`context.campaign`)
 * and the referring domain (`context.referrer_domain`) are read from the SDK's fields or the page
 * address. What the client sent itself wins field by field. User agents repeat a lot, so parses
 * are cached.
 */
export function createEnricher(ipHashKey: string, geo?: GeoDatabase) {
  const uaCache = new Map<string, Parsed>();
  const parseUa = (ua: string): Parsed => {
    let p = uaCache.get(ua);
    if (!p) {
      const r = new UAParser(ua).getResult();
      p = {
        device: defined({ type: r.device.type ?? 'desktop', vendor: r.device.vendor, model: r.device.model }),
        os: defined({ name: r.os.name, version: r.os.version }),
        browser: defined({ name: r.browser.name, version: r.browser.major }),
      };
      if (uaCache.size >= UA_CACHE_LIMIT) uaCache.clear();
      uaCache.set(ua, p);
    }
    return p;
  };
  // A request's events share its address: the keyed hash is computed once per address.
  const ipCache = new Map<string, string>();
  const hashIp = (ip: string) => {
    let h = ipCache.get(ip);
    if (h === undefined) {
      h = createHmac('sha256', ipHashKey).update(ip).digest('hex').slice(0, 32);
      if (ipCache.size >= UA_CACHE_LIMIT) ipCache.clear();
      ipCache.set(ip, h);
    }
    return h;
  };

  return (event: AnalyticsEvent, meta: RequestMeta): AnalyticsEvent => {
    const context: Record<string, unknown> = { ...event.context };
    const ip = typeof context.ip === 'string' && context.ip !== '' ? context.ip : meta.ip;
    delete context.ip;
    if (ip) {
      context.ip_hash = hashIp(ip);
      const place = geo?.place(ip);
      if (place) context.location = { ...place, ...(isRecord(context.location) ? context.location : {}) };
    }
    const ua =
      typeof context.userAgent === 'string'
        ? context.userAgent
        : meta.fromBrowser
          ? meta.userAgent
          : undefined;
    if (ua) {
      const p = parseUa(ua);
      context.userAgent = ua;
      context.device = { ...p.device, ...(isRecord(context.device) ? context.device : {}) };
      context.os = { ...p.os, ...(isRecord(context.os) ? context.os : {}) };
      context.browser = p.browser;
    }
    const campaign = campaignOf(context, event.properties);
    if (campaign) context.campaign = campaign;
    const referrer = referrerDomainOf(context, event.properties);
    if (referrer) context.referrer_domain = referrer;
    return { ...event, context };
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
