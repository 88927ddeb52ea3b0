import type { AnswerPart, Freshness, MetricQuery } from './metric-query';
import type { TimeRange } from './time-range';
import { ratio } from './ratio';
import type { SegmentDefinition } from '../../core/segments/definition';

export const CONTENT_SORTS = ['plays', 'watch_time', 'completions', 'completion_rate', 'engagement'] as const;
export type ContentSort = (typeof CONTENT_SORTS)[number];

export interface ContentStats {
  contentId: string;
  plays: number;
  watchSeconds: number;
  completions: number;
  errors: number;
  /** completions / plays, at most 1. */
  completionRate: number;
  avgWatchSecondsPerPlay: number;
  /** 0-100: see ENGAGEMENT_SCORE. */
  engagementScore: number;
}

/** Ten minutes watched per play counts as full attention in the engagement score. */
const FULL_WATCH_SECONDS = 600;

export const ENGAGEMENT_SCORE =
  'engagement = 100 x (0.5 x completion rate + 0.3 x min(1, average seconds watched per play / 600) + 0.2 x (1 - error rate)), ' +
  'where completion rate = completions / plays and error rate = playback errors / plays, each capped at 1; 0 without plays';

export function engagementScore(s: Omit<ContentStats, 'engagementScore' | 'contentId'>): number {
  if (s.plays === 0) return 0;
  const errorRate = Math.min(1, s.errors / s.plays);
  const score =
    0.5 * s.completionRate +
    0.3 * Math.min(1, s.avgWatchSecondsPerPlay / FULL_WATCH_SECONDS) +
    0.2 * (1 - errorRate);
  return Math.round(score * 1000) / 10;
}

const SORT_KEYS: Record<ContentSort, (s: ContentStats) => number> = {
  plays: (s) => s.plays,
  watch_time: (s) => s.watchSeconds,
  completions: (s) => s.completions,
  completion_rate: (s) => s.completionRate,
  engagement: (s) => s.engagementScore,
};

/** Content analytics from the catalog's content metrics, each merged across the layers. */
export class ContentQuery {
  constructor(private readonly metrics: MetricQuery) {}

  async top(
    project: string,
    range: TimeRange,
    opts: { limit: number; sort: ContentSort; contentIds?: string[]; segment?: SegmentDefinition },
  ): Promise<{
    from: string;
    to: string;
    sort: ContentSort;
    items: ContentStats[];
    engagementScore: string;
    parts: Omit<AnswerPart, 'value'>[];
    watermark: string | null;
    freshness: Freshness;
  }> {
    const key = [
      'content',
      range.from.getTime(),
      range.to.getTime(),
      opts.contentIds ?? null,
      opts.sort,
      opts.limit,
      opts.segment ?? null,
    ];
    return this.metrics.layers.cachedAnswer(
      project,
      key,
      async () => {
        const { parts, watermark } = await this.metrics.layers.layersOf({ range, project });
        const by = SORT_KEYS[opts.sort];
        const items = (await this.stats(project, range, opts.contentIds, opts.segment)).sort(
          (a, b) => by(b) - by(a) || (a.contentId < b.contentId ? -1 : 1),
        );
        return {
          from: range.from.toISOString(),
          to: range.to.toISOString(),
          sort: opts.sort,
          items: items.slice(0, opts.limit),
          engagementScore: ENGAGEMENT_SCORE,
          parts,
          watermark,
        };
      },
      // A segment's membership reads events beyond the range: then every write counts.
      opts.segment ? undefined : range,
    );
  }

  /** Every content item's figures over the range, merged across the layers. */
  private async stats(
    project: string,
    range: TimeRange,
    contentIds?: string[],
    segment?: SegmentDefinition,
  ): Promise<ContentStats[]> {
    const [plays, watch, completions, errors] = await Promise.all(
      (['content_plays', 'content_watch_seconds', 'content_completions', 'content_errors'] as const).map(
        (m) =>
          this.metrics.totals({
            metric: m,
            project,
            range,
            dims: contentIds,
            ...(segment ? { segment } : {}),
          }),
      ),
    );
    const ids = new Set<string>();
    for (const t of [plays, watch, completions, errors])
      for (const id of t!.byDim.keys()) if (id !== '') ids.add(id);
    const items = [...ids].map((contentId): ContentStats => {
      const p = plays!.byDim.get(contentId)?.count ?? 0;
      const w = watch!.byDim.get(contentId)?.sum ?? 0;
      const c = completions!.byDim.get(contentId)?.count ?? 0;
      const e = errors!.byDim.get(contentId)?.count ?? 0;
      const stats = {
        plays: p,
        watchSeconds: w,
        completions: c,
        errors: e,
        completionRate: Math.min(1, ratio(c, p)),
        avgWatchSecondsPerPlay: ratio(w, p),
      };
      return { contentId, ...stats, engagementScore: engagementScore(stats) };
    });
    return items;
  }
}
