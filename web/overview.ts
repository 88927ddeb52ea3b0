import { get, sources, type MetricAnswer, type Snapshot } from './api';
import { timeSeries } from './charts';

const tile = (title: string, id: string, wide = false) =>
  `<section class="tile${wide ? ' wide' : ''}" id="${id}"><h2>${title}</h2><div class="body"></div><div class="meta"></div></section>`;

/**
 * The overview: live numbers over the WebSocket feed (the speed view, every second; reconnects
 * after a restart), then tiles answered by the merged API, each saying where its numbers come from.
 */
export function overview(main: HTMLElement): () => void {
  main.innerHTML = [
    tile('Events, last 30 minutes (live)', 'live-events'),
    tile('Active users, last 5 minutes (live)', 'live-users'),
    tile('Events per minute, last 30 minutes (live)', 'live-chart', true),
    tile('Top events, last 24 hours', 'top-events'),
    tile('Events per hour, last 24 hours', 'events-hourly'),
  ].join('');
  const body = (id: string) => main.querySelector<HTMLElement>(`#${id} .body`) as HTMLElement;
  const meta = (id: string) => main.querySelector<HTMLElement>(`#${id} .meta`) as HTMLElement;
  body('live-events').innerHTML = '<div class="big" data-testid="live-counter">–</div>';
  body('live-users').innerHTML = '<div class="big" data-testid="live-users">–</div>';
  body('live-chart').innerHTML = '<div class="chart"></div>';

  let socket: WebSocket | undefined;
  let stopped = false;
  let retry = 500;
  const connect = () => {
    socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/live`);
    socket.onmessage = (m: MessageEvent<string>) => {
      retry = 500;
      const s = JSON.parse(m.data) as Snapshot;
      (body('live-events').firstElementChild as HTMLElement).textContent = String(
        s.eventsPerMinute.reduce((a, p) => a + p.count, 0),
      );
      (body('live-users').firstElementChild as HTMLElement).textContent = String(s.activeUsers);
      const fresh = `speed view, ${new Date(s.at).toLocaleTimeString()}${s.lastReceived ? `; last event ${new Date(s.lastReceived).toLocaleTimeString()}` : ''}`;
      meta('live-events').textContent = fresh;
      meta('live-users').textContent = fresh;
      meta('live-chart').textContent = 'speed view (shaded)';
      timeSeries(body('live-chart').firstElementChild as HTMLElement, [
        {
          name: 'events',
          points: s.eventsPerMinute.map((p) => ({
            start: p.minute,
            value: p.count,
            source: 'speed' as const,
          })),
        },
      ]);
    };
    // Dropped (a restart, too slow): connect again, backing off to 10 s.
    socket.onclose = () => {
      if (stopped) return;
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10_000);
    };
  };
  connect();

  const range = () => {
    const to = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000);
    return `from=${new Date(to.getTime() - 24 * 3_600_000).toISOString()}&to=${to.toISOString()}`;
  };
  const refresh = () => {
    void get<MetricAnswer>(`/v1/metrics/events?${range()}&granularity=day&groupBy=event`).then(
      (a) => {
        const totals = new Map<string, number>();
        for (const b of a.buckets) totals.set(b.dim ?? '', (totals.get(b.dim ?? '') ?? 0) + b.value);
        body('top-events').innerHTML = `<table>${[...totals]
          .sort((x, y) => y[1] - x[1])
          .slice(0, 10)
          .map(([e, n]) => `<tr><td>${escape(e)}</td><td class="num">${n}</td></tr>`)
          .join('')}</table>`;
        meta('top-events').textContent = sources(a);
      },
      (e: Error) => (body('top-events').innerHTML = `<p class="error">${escape(e.message)}</p>`),
    );
    void get<MetricAnswer>(`/v1/metrics/events?${range()}&granularity=hour`).then(
      (a) => {
        body('events-hourly').innerHTML = '<div class="chart"></div>';
        timeSeries(body('events-hourly').firstElementChild as HTMLElement, [
          { name: 'events', points: a.buckets },
        ]);
        meta('events-hourly').textContent = `${sources(a)} (speed part shaded)`;
      },
      (e: Error) => (body('events-hourly').innerHTML = `<p class="error">${escape(e.message)}</p>`),
    );
  };
  // The merged tiles follow the data too, once a minute (the live ones every second).
  refresh();
  const timer = setInterval(refresh, 60_000);
  return () => {
    stopped = true;
    clearInterval(timer);
    socket?.close();
  };
}

export const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
