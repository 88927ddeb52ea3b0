import { EVENTS } from '../../core/lake/layout';
import type { LakeStorage } from '../../core/lake/storage';
import {
  onQualityAnomalyScrape,
  onQualityDuplicatesScrape,
  onQualityEventsScrape,
  onQualityLateScrape,
  onQualityQuarantineScrape,
  onQualitySkewScrape,
} from '../../core/ops/operational-metrics';
import type { QualityAnswer, QualityQuery } from './quality-query';

const HOUR = 3_600_000;

export interface QualityMetricsOptions {
  /** Projects exported (the first by name): a label must stay bounded. */
  maxProjects: number;
  /** Event names exported per project, the largest by volume. */
  maxEvents: number;
  /** How long one computation serves scrapes (late events still land in the hour meanwhile). */
  refreshMs: number;
  now?: () => number;
}

const DEFAULTS: QualityMetricsOptions = { maxProjects: 50, maxEvents: 20, refreshMs: 300_000 };

/**
 * The last complete hour's data quality (GET /v1/quality's figures) as Prometheus gauges, per
 * project and event name. Computed from the lake at most once per `refreshMs`, whatever the
 * scrape rate; a lake that cannot be read gives no samples (and is tried again at the next scrape),
 * never a failed scrape. Returns the stop.
 */
export function exportQualityMetrics(
  quality: QualityQuery,
  lake: LakeStorage,
  options: Partial<QualityMetricsOptions> = {},
): () => void {
  const o = { ...DEFAULTS, ...options };
  const now = o.now ?? Date.now;
  let cached: { at: number; hour: number; answers: Promise<QualityAnswer[]> } | undefined;
  const answers = async (): Promise<QualityAnswer[]> => {
    const hour = Math.floor(now() / HOUR) * HOUR - HOUR;
    if (!cached || cached.hour !== hour || now() - cached.at > o.refreshMs) {
      const compute = async () => {
        const projects = (await lake.list(EVENTS))
          .filter((p) => p.startsWith('project='))
          .map((p) => p.slice('project='.length))
          .sort()
          .slice(0, o.maxProjects);
        const out: QualityAnswer[] = [];
        for (const p of projects)
          out.push(await quality.quality(p, { from: new Date(hour), to: new Date(hour + HOUR) }));
        return out;
      };
      cached = { at: now(), hour, answers: compute() };
    }
    const c = cached;
    try {
      return await c.answers;
    } catch {
      if (cached === c) cached = undefined;
      return [];
    }
  };
  type Figures = QualityAnswer['events'][number];
  const none = (event: string): Figures => ({
    event,
    events: 0,
    duplicates: 0,
    duplicateRate: 0,
    late: 0,
    lateShare: 0,
    delaySeconds: { p50: 0, p90: 0, p99: 0 },
    clockSkew: { measured: 0, seconds: { p1: 0, p50: 0, p99: 0, maxAbs: 0 }, beyondMinuteShare: 0 },
  });
  const perEvent = async (each: (project: string, e: Figures, a: QualityAnswer) => void) => {
    for (const a of await answers()) {
      // An event that stopped has no figures for the hour, only its anomaly: exported at 0.
      const stopped = a.anomalies
        .filter((x) => !a.events.some((e) => e.event === x.event))
        .map((x) => none(x.event));
      const largest = [...a.events, ...stopped].sort(
        (x, y) => y.events - x.events || x.event.localeCompare(y.event),
      );
      for (const e of largest.slice(0, o.maxEvents)) each(a.project, e, a);
    }
  };
  const stops = [
    onQualityEventsScrape((set) => perEvent((project, e) => set({ project, event: e.event }, e.events))),
    onQualityDuplicatesScrape((set) =>
      perEvent((project, e) => set({ project, event: e.event }, e.duplicateRate)),
    ),
    onQualityLateScrape((set) => perEvent((project, e) => set({ project, event: e.event }, e.lateShare))),
    onQualityAnomalyScrape((set) =>
      perEvent((project, e, a) => {
        const anomaly = a.anomalies.find((x) => x.event === e.event);
        set({ project, event: e.event }, anomaly ? (anomaly.direction === 'high' ? 1 : -1) : 0);
      }),
    ),
    onQualitySkewScrape((set) =>
      perEvent((project, e) => {
        if (e.clockSkew.measured === 0) return;
        const s = e.clockSkew.seconds;
        for (const [quantile, v] of [
          ['0.01', s.p1],
          ['0.5', s.p50],
          ['0.99', s.p99],
        ] as const)
          set({ project, event: e.event, quantile }, v);
      }),
    ),
    onQualityQuarantineScrape(async (set) => {
      for (const a of await answers()) set({ project: a.project }, a.quarantine.rate);
    }),
  ];
  return () => {
    for (const stop of stops) stop();
  };
}
