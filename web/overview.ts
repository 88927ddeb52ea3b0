import { escape, get, shortTime, sources, type MetricAnswer } from './api';
import { timeSeries } from './charts';
import { liveSocket } from './live-socket';
import { resolveRange } from './ranges';

const tile = (title: string, id: string, wide = false) =>
  `<section class="tile${wide ? ' wide' : ''}" id="${id}"><h2>${title}</h2><div class="body"></div><div class="meta"></div></section>`;

/** The overview's default funnel: the commerce events of the catalog, in order. */
const FUNNEL = ['product_view', 'add_to_cart', 'checkout_started', 'purchase'];

interface Envelope {
  parts: MetricAnswer['parts'];
  freshness?: { speedLastReceivedAt: string | null; lagSeconds: number | null };
}
interface Content extends Envelope {
  items: {
    contentId: string;
    plays: number;
    watchSeconds: number;
    completionRate: number;
    engagementScore: number;
  }[];
}
interface Commerce extends Envelope {
  currencies: { currency: string; orders: number; revenue: number; netRevenue: number; aov: number }[];
  orders: number;
  checkouts: number;
  checkoutConversion: number;
}
interface Funnel extends Envelope {
  steps: { event: string; users: number; conversionFromStart: number }[];
}
interface Retention extends Envelope {
  cohorts: { cohort: string; size: number; rates: number[] }[];
}

const pct = (r: number) => `${(r * 100).toFixed(1)}%`;

interface Sessions extends Envelope {
  sessions: number;
  bounceRate: number | null;
  averageDurationSeconds: number | null;
  medianDurationSeconds: number | null;
  pagesPerSession: number | null;
  buckets: { dim?: string; sessions: number }[];
  entryPages: { page: string; sessions: number }[];
}

const minutes = (s: number | null) => (s === null ? '–' : `${(s / 60).toFixed(1)} min`);

/**
 * The overview: live numbers over the WebSocket feed (the speed view, every second; reconnects
 * after a restart), then tiles answered by the merged API, each saying where its numbers come
 * from and how fresh the speed part is.
 */
export function overview(main: HTMLElement, zone: string): () => void {
  main.innerHTML = [
    tile('Events, last 30 minutes (live)', 'live-events'),
    tile('Active users, last 5 minutes (live)', 'live-users'),
    tile('Events per minute, last 30 minutes (live)', 'live-chart', true),
    tile('Top events, last 24 hours', 'top-events'),
    tile('Events per hour, last 24 hours', 'events-hourly'),
    tile('Content, last 24 hours', 'content'),
    tile('Commerce, last 24 hours', 'commerce'),
    tile(`Funnel: ${FUNNEL.join(' → ')}, last 7 days`, 'funnel'),
    tile('Retention by day, last 7 days', 'retention'),
    tile('Sessions, last 24 hours', 'sessions'),
    tile('Where visits come from, last 24 hours', 'sources'),
  ].join('');
  const body = (id: string) => main.querySelector<HTMLElement>(`#${id} .body`) as HTMLElement;
  const meta = (id: string) => main.querySelector<HTMLElement>(`#${id} > .meta`) as HTMLElement;
  body('live-events').innerHTML = '<div class="big" data-testid="live-counter">–</div>';
  body('live-users').innerHTML = '<div class="big" data-testid="live-users">–</div>';
  body('live-chart').innerHTML = '<div class="chart"></div>';

  const closeSocket = liveSocket(
    '',
    (s) => {
      if (s.type !== 'snapshot') return;
      (body('live-events').firstElementChild as HTMLElement).textContent = String(
        s.eventsPerMinute.reduce((a, p) => a + p.count, 0),
      );
      (body('live-users').firstElementChild as HTMLElement).textContent = String(s.activeUsers);
      const fresh = `speed view, ${shortTime(s.at, zone)}${s.lastReceived ? `; last event ${shortTime(s.lastReceived, zone)}` : ''}`;
      meta('live-events').textContent = fresh;
      meta('live-users').textContent = fresh;
      meta('live-chart').textContent = 'speed view (shaded)';
      timeSeries(
        body('live-chart').firstElementChild as HTMLElement,
        [
          {
            name: 'events',
            points: s.eventsPerMinute.map((p) => ({
              start: p.minute,
              value: p.count,
              source: 'speed' as const,
            })),
          },
        ],
        { zone },
      );
    },
    (reason) => {
      // The server closed the feed for good: say why, where the live numbers were.
      meta('live-events').innerHTML =
        `<span class="error" data-testid="live-ended">Live feed closed: ${escape(reason)}</span>`;
    },
  );

  /** Fills a tile from one API answer; says where it came from and how fresh the speed part is. */
  const fill = <T extends Envelope>(id: string, path: string, draw: (a: T) => string | void) =>
    get<T>(path).then(
      (a) => {
        const html = draw(a);
        if (typeof html === 'string') body(id).innerHTML = html;
        const lag = a.freshness?.lagSeconds;
        meta(id).textContent =
          `${sources(a, zone)}${lag === null || lag === undefined ? '' : `; speed view ${lag} s behind`}`;
      },
      (e: Error) => (body(id).innerHTML = `<p class="error">${escape(e.message)}</p>`),
    );
  const range = (preset: 'last_24h' | 'last_7d') => {
    const r = resolveRange({ preset }, zone);
    return `from=${r.from}&to=${r.to}`;
  };
  const refresh = () => {
    void fill<MetricAnswer>(
      'top-events',
      `/v1/metrics/events?${range('last_24h')}&granularity=day&groupBy=event`,
      (a) => {
        const totals = new Map<string, number>();
        for (const b of a.buckets) totals.set(b.dim ?? '', (totals.get(b.dim ?? '') ?? 0) + b.value);
        return `<table>${[...totals]
          .sort((x, y) => y[1] - x[1])
          .slice(0, 10)
          .map(([e, n]) => `<tr><td>${escape(e)}</td><td class="num">${n}</td></tr>`)
          .join('')}</table>`;
      },
    );
    void fill<MetricAnswer>(
      'events-hourly',
      `/v1/metrics/events?${range('last_24h')}&granularity=hour`,
      (a) => {
        body('events-hourly').innerHTML = '<div class="chart"></div>';
        timeSeries(
          body('events-hourly').firstElementChild as HTMLElement,
          [{ name: 'events', points: a.buckets }],
          { zone, range: a },
        );
      },
    );
    void fill<Content>('content', `/v1/content?${range('last_24h')}&limit=5`, (a) =>
      a.items.length === 0
        ? '<p class="empty">no plays in the last 24 hours</p>'
        : `<table><tr><th>content</th><th>plays</th><th>watch h</th><th>completion</th><th>engagement</th></tr>${a.items
            .map(
              (c) =>
                `<tr><td>${escape(c.contentId)}</td><td class="num">${c.plays}</td><td class="num">${(c.watchSeconds / 3600).toFixed(1)}</td><td class="num">${pct(c.completionRate)}</td><td class="num">${c.engagementScore}</td></tr>`,
            )
            .join('')}</table>`,
    );
    void fill<Commerce>(
      'commerce',
      `/v1/commerce?${range('last_24h')}`,
      (a) =>
        `<table><tr><th>currency</th><th>revenue</th><th>orders</th><th>AOV</th></tr>${a.currencies
          .map(
            (c) =>
              `<tr><td>${escape(c.currency)}</td><td class="num">${c.revenue.toFixed(2)}</td><td class="num">${c.orders}</td><td class="num">${c.aov.toFixed(2)}</td></tr>`,
          )
          .join(
            '',
          )}</table><p>${a.orders} orders from ${a.checkouts} checkouts: conversion ${pct(a.checkoutConversion)}</p>`,
    );
    void fill<Funnel>(
      'funnel',
      `/v1/funnels?${range('last_7d')}&steps=${FUNNEL.join(',')}`,
      (a) =>
        `<table>${a.steps
          .map(
            (s) =>
              `<tr><td>${escape(s.event)}</td><td class="num">${s.users}</td><td><div class="bar" style="width:${Math.round(s.conversionFromStart * 100)}%"></div></td><td class="num">${pct(s.conversionFromStart)}</td></tr>`,
          )
          .join('')}</table>`,
    );
    void fill<Retention>('retention', `/v1/retention?${range('last_7d')}&period=day`, (a) => {
      const width = Math.max(0, ...a.cohorts.map((c) => c.rates.length));
      return a.cohorts.length === 0
        ? '<p class="empty">no activity in the last 7 days</p>'
        : `<table class="grid"><tr><th>cohort (UTC)</th><th>users</th>${Array.from({ length: width }, (_, k) => `<th>${k}</th>`).join('')}</tr>${a.cohorts
            .map(
              (c) =>
                `<tr><td>${c.cohort.slice(0, 10)}</td><td class="num">${c.size}</td>${c.rates.map((r) => `<td class="num" style="background:rgba(46,110,230,${(r * 0.8).toFixed(2)})">${pct(r)}</td>`).join('')}</tr>`,
            )
            .join('')}</table>`;
    });
    void fill<Sessions>('sessions', `/v1/sessions?${range('last_24h')}&granularity=day&limit=5`, (a) =>
      a.sessions === 0
        ? '<p class="empty">no sessions in the last 24 hours</p>'
        : `<p data-testid="sessions-figures">${a.sessions} sessions · bounce rate ${pct(a.bounceRate ?? 0)} · ${minutes(a.averageDurationSeconds)} on average (median ${minutes(a.medianDurationSeconds)}) · ${(a.pagesPerSession ?? 0).toFixed(1)} pages per session</p><table><tr><th>entry page</th><th>sessions</th></tr>${a.entryPages
            .map((p) => `<tr><td>${escape(p.page)}</td><td class="num">${p.sessions}</td></tr>`)
            .join('')}</table>`,
    );
    void fill<Sessions>(
      'sources',
      `/v1/sessions?${range('last_24h')}&granularity=day&groupBy=utm_source&limit=1`,
      (a) => {
        const by = new Map<string, number>();
        for (const b of a.buckets) by.set(b.dim ?? '', (by.get(b.dim ?? '') ?? 0) + b.sessions);
        return a.sessions === 0
          ? '<p class="empty">no sessions in the last 24 hours</p>'
          : `<table><tr><th>campaign source</th><th>sessions</th></tr>${[...by]
              .sort((x, y) => y[1] - x[1])
              .slice(0, 8)
              .map(
                ([s, n]) =>
                  `<tr><td>${escape(s === '(none)' ? 'none (direct or referred)' : s)}</td><td class="num">${n}</td></tr>`,
              )
              .join('')}</table>`;
      },
    );
  };
  // The merged tiles follow the data too, once a minute (the live ones every second).
  refresh();
  const timer = setInterval(refresh, 60_000);
  return () => {
    clearInterval(timer);
    closeSocket();
  };
}
