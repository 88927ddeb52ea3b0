/**
 * Where a visit came from, as Segment's browser SDK describes it: `context.campaign` (name, source,
 * medium, term, content: the page address's utm_ parameters) and the page's referrer. Server SDKs
 * and hand-written calls often send only the page address, so the same fields are read from it.
 */

export interface Campaign {
  source?: string;
  medium?: string;
  name?: string;
  term?: string;
  content?: string;
}

const UTM: [keyof Campaign, string][] = [
  ['source', 'utm_source'],
  ['medium', 'utm_medium'],
  ['name', 'utm_campaign'],
  ['term', 'utm_term'],
  ['content', 'utm_content'],
];

/** Longest campaign value kept: a dimension value, not a document. */
const MAX_VALUE = 200;

const record = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

const text = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() !== '' ? v.trim().slice(0, MAX_VALUE) : undefined;

function parseUrl(v: unknown): URL | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  try {
    return new URL(v);
  } catch {
    return undefined;
  }
}

/** The page address of an event: `context.page.url`, else a page call's `properties.url`. */
function pageUrl(context: Record<string, unknown>, properties: Record<string, unknown>): URL | undefined {
  return parseUrl(record(context.page)?.url) ?? parseUrl(properties.url);
}

/** The event's campaign: the SDK's `context.campaign` field by field, else the page address's utm_ parameters. */
export function campaignOf(
  context: Record<string, unknown>,
  properties: Record<string, unknown>,
): Campaign | undefined {
  const given = record(context.campaign) ?? {};
  const query = pageUrl(context, properties)?.searchParams;
  const campaign: Campaign = {};
  for (const [field, param] of UTM) {
    const v = text(given[field]) ?? text(query?.get(param));
    if (v !== undefined) campaign[field] = v;
  }
  return Object.keys(campaign).length > 0 ? campaign : undefined;
}

/**
 * The referring site's domain, lower case and without `www.` (`news.ycombinator.com`); none when
 * the referrer is the site itself (a visitor moving between its pages) or not an http(s) address.
 */
export function referrerDomainOf(
  context: Record<string, unknown>,
  properties: Record<string, unknown>,
): string | undefined {
  const referrer = parseUrl(record(context.page)?.referrer) ?? parseUrl(properties.referrer);
  if (!referrer || (referrer.protocol !== 'http:' && referrer.protocol !== 'https:')) return undefined;
  const domain = referrer.hostname.toLowerCase().replace(/^www\./, '');
  const own = pageUrl(context, properties)
    ?.hostname.toLowerCase()
    .replace(/^www\./, '');
  return domain === '' || domain === own ? undefined : domain;
}
