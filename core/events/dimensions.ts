/**
 * Dimensions every event carries, set at ingest (the collector's enrichment) and stored in its
 * context, so any metric can be grouped and filtered by them without a view of its own: where each
 * sits in `context`. A new one is a line here: sealed hours' views are not touched, since these
 * answers are computed from raw events.
 */
export const EVENT_DIMENSIONS = {
  device_type: ['device', 'type'],
  browser: ['browser', 'name'],
  os: ['os', 'name'],
  country: ['location', 'country'],
  region: ['location', 'region'],
  city: ['location', 'city'],
  utm_source: ['campaign', 'source'],
  utm_medium: ['campaign', 'medium'],
  utm_campaign: ['campaign', 'name'],
  utm_term: ['campaign', 'term'],
  utm_content: ['campaign', 'content'],
  referrer_domain: ['referrer_domain'],
} as const satisfies Record<string, readonly string[]>;

export type EventDimension = keyof typeof EVENT_DIMENSIONS;

export const EVENT_DIMENSION_NAMES = Object.keys(EVENT_DIMENSIONS) as EventDimension[];

export function isEventDimension(name: string): name is EventDimension {
  return Object.hasOwn(EVENT_DIMENSIONS, name);
}

/** The value an event without the dimension is grouped under. */
export const NO_VALUE = '(none)';

/** Only events whose dimension holds one of the values; several dimensions must all match. */
export type EventWhere = readonly (readonly [EventDimension, readonly string[]])[];
