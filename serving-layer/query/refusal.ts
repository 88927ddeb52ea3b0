import type { Config } from '../../core/config/config';
import type { Refusal } from '../views/layer-plan';

const HOUR = 3_600_000;

/** A 503 body naming the hours no layer can answer and the command that makes them answerable. */
export function refusalMessage(refused: Refusal[], config: Config): string {
  const iso = (ms: number) => new Date(ms).toISOString();
  const span = (list: Refusal[]) => {
    const first = list[0]?.hour ?? 0;
    const last = list[list.length - 1]?.hour ?? 0;
    return { first: iso(first), last: iso(last), end: iso(last + HOUR) };
  };
  const horizon = config.speed.horizonMs / HOUR;
  const missing = refused.filter((r) => r.needs === 'backfill');
  const late = refused.filter((r) => r.needs === 'repair');
  const lines: string[] = [];
  if (missing.length > 0) {
    const s = span(missing);
    lines.push(
      `hours ${s.first} to ${s.last} hold events but are not sealed by the batch layer yet, and the speed view keeps only the last ${horizon} hours: ` +
        `the late-data-repair schedule computes hours before the watermark by itself; after the watermark, or to have them now, run ./platform backfill --from ${s.first} --to ${s.end}`,
    );
  }
  if (late.length > 0) {
    const s = span(late);
    lines.push(
      `hours ${s.first} to ${s.last} received late events that their batch view does not hold yet, and they are older than the speed view's ${horizon} hours: ` +
        `the late-data-repair schedule recomputes them within minutes (or now: ./platform backfill --from ${s.first} --to ${s.end})`,
    );
  }
  return lines.join('; ');
}
