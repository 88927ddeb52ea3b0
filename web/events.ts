import { escape, shortTime, type StoredEvent } from './api';
import { liveSocket } from './live-socket';

/** How many events the page keeps (newest first). */
const KEEP = 200;

/**
 * Live events: the project's latest events as they arrive (the live feed with ?events=1), newest
 * first. Pause holds the list still while arrivals are counted; an event opens its stored JSON.
 */
export function liveEvents(main: HTMLElement, zone: string): () => void {
  main.innerHTML = `
    <section class="tile wide">
      <div class="toolbar">
        <h2>Live events</h2>
        <button type="button" data-testid="pause">Pause</button>
        <span class="meta" data-testid="waiting"></span>
      </div>
      <table data-testid="events"><thead><tr><th>received</th><th>event</th><th>type</th><th>user</th><th>properties</th></tr></thead><tbody></tbody></table>
      <p class="meta">speed view: the latest events received, shown as they arrive</p>
    </section>
    <dialog data-testid="event-json"><pre></pre><form method="dialog"><a data-testid="event-person">Open the person</a> <button>Close</button></form></dialog>`;
  const tbody = main.querySelector('tbody') as HTMLElement;
  const pause = main.querySelector('[data-testid=pause]') as HTMLButtonElement;
  const waiting = main.querySelector('[data-testid=waiting]') as HTMLElement;
  const dialog = main.querySelector('dialog') as HTMLDialogElement;
  let shown: StoredEvent[] = [];
  let held: StoredEvent[] = [];
  let paused = false;

  const render = () => {
    tbody.innerHTML = shown
      .map(
        (e, i) =>
          `<tr data-index="${i}" data-id="${escape(e.eventId)}" class="clickable"><td>${shortTime(e.receivedAt, zone)}</td><td>${escape(e.event)}</td><td>${escape(e.type)}</td><td>${escape(e.userId ?? e.anonymousId ?? '')}</td><td class="props">${escape(JSON.stringify(e.properties)).slice(0, 120)}</td></tr>`,
      )
      .join('');
    waiting.textContent = paused ? `paused: ${held.length} new` : '';
  };
  const add = (events: StoredEvent[]) => {
    const ids = new Set(events.map((e) => e.eventId));
    shown = [...events, ...shown.filter((e) => !ids.has(e.eventId))].slice(0, KEEP);
  };
  pause.addEventListener('click', () => {
    paused = !paused;
    pause.textContent = paused ? 'Resume' : 'Pause';
    if (!paused) {
      add(held);
      held = [];
    }
    render();
  });
  tbody.addEventListener('click', (ev) => {
    const row = (ev.target as HTMLElement).closest('tr');
    const e = row ? shown[Number(row.dataset.index)] : undefined;
    if (!e) return;
    (dialog.querySelector('pre') as HTMLElement).textContent = JSON.stringify(e, null, 2);
    (dialog.querySelector('[data-testid=event-person]') as HTMLAnchorElement).href =
      `/person?id=${encodeURIComponent(e.userId ?? e.anonymousId ?? '')}`;
    dialog.showModal();
  });
  render();
  return liveSocket('?events=1', (m) => {
    if (m.type !== 'events') return;
    if (paused) held = [...m.events, ...held].slice(0, KEEP);
    else add(m.events);
    render();
  });
}
