import type { Freshness, MetricQuery } from './metric-query';
import type { TimeRange } from './time-range';
import type { ActiveDayRow, RawEventReader } from '../views/raw-event-reader';
import type { SegmentDefinition } from '../../core/segments/definition';
import { computeRetention, type Cohort, type RetentionPeriod } from './retention';

export interface RetentionAnswer {
  from: string;
  to: string;
  period: RetentionPeriod;
  event: string | null;
  cohorts: Cohort[];
  segment?: string;
  /** What a user is: an id (a user id, else an anonymous id), or a person (ids joined). */
  counting: 'ids' | 'persons';
  parts: { source: 'batch' | 'speed'; from: string; to: string }[];
  watermark: string | null;
  freshness: Freshness;
}

/** Retention cohorts over raw events, split between the layers like funnels; cached until either moves. */
export class RetentionQuery {
  constructor(
    private readonly metrics: MetricQuery,
    private readonly raw: RawEventReader,
  ) {}

  cohorts(q: {
    project: string;
    range: TimeRange;
    period: RetentionPeriod;
    /** Only this event makes a user active (any event when absent). */
    event?: string;
    /** Only the events of the segment's members, when they were members. */
    segment?: SegmentDefinition;
    /** Count persons (ids joined by identify and alias calls; the default) or ids (false). */
    persons?: boolean;
  }): Promise<RetentionAnswer> {
    const { project, range, period, event, segment, persons = true } = q;
    const key = [
      'retention',
      range.from.getTime(),
      range.to.getTime(),
      period,
      event ?? null,
      segment ?? null,
      persons,
    ];
    return this.metrics.layers.cachedAnswer(project, key, async () => {
      const { split, rawParts: parts, watermark } = await this.metrics.layers.layersOf({ range, project });
      let rows = segment
        ? await this.segmentDays(project, range, split, segment, event)
        : await this.raw.activeDays({ project, from: range.from, split, to: range.to }, event);
      if (persons) {
        // A person is active on a day when any of their ids is; each (person, day) once.
        const graph = await this.metrics.persons().graph(project);
        const days = new Map<string, ActiveDayRow>();
        for (const [actor, day] of rows) {
          const person = graph.personOf(actor);
          days.set(`${person}|${day}`, [person, day]);
        }
        rows = [...days.values()];
      }
      return {
        from: range.from.toISOString(),
        to: range.to.toISOString(),
        period,
        event: event ?? null,
        cohorts: await computeRetention(rows, period, range.to),
        ...(segment ? { segment: segment.id } : {}),
        counting: persons ? ('persons' as const) : ('ids' as const),
        parts,
        watermark,
      };
    });
  }

  /** The (user, UTC day) pairs with an event while the user was in the segment. */
  private async segmentDays(
    project: string,
    range: TimeRange,
    split: Date,
    segment: SegmentDefinition,
    event?: string,
  ): Promise<ActiveDayRow[]> {
    const member = await this.metrics.segments().filter(project, segment, range);
    const rows = await this.raw.propertyEvents(
      { project, from: range.from, split, to: range.to },
      { events: event ? [event] : undefined, props: [] },
    );
    const days = new Map<string, ActiveDayRow>();
    for (const [actor, , at] of rows) {
      if (!member(actor, at)) continue;
      const day = Math.floor(at / 86_400_000) * 86_400_000;
      days.set(`${actor}|${day}`, [actor, day]);
    }
    return [...days.values()];
  }
}
