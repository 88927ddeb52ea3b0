import { EVENT_DIMENSION_NAMES, EVENT_DIMENSIONS, isEventDimension, type EventDimension } from './dimensions';

/**
 * What an answer can be grouped and filtered by: an event dimension the collector enriches
 * (country, device_type, utm_campaign...), any property the event was sent with
 * (`property.<name>`, nested as `property.<a>.<b>`), or a trait of the event's person at the
 * event's time (`person.<trait>`: the latest value sent by then by any of its ids).
 */
export type PropertyRef =
  | { kind: 'dimension'; name: EventDimension }
  | { kind: 'event'; path: readonly string[] }
  | { kind: 'person'; trait: string };

export const EVENT_PROPERTY_PREFIX = 'property.';
export const PERSON_TRAIT_PREFIX = 'person.';
const MAX_NAME = 200;
const MAX_PATH = 5;

/**
 * A property as named in a query (`country`, `property.plan`, `person.plan`), or the reason it is
 * not one, in words a caller can act on.
 */
export function parsePropertyRef(text: string): PropertyRef | { error: string } {
  const name = text.trim();
  if (isEventDimension(name)) return { kind: 'dimension', name };
  if (name.length > MAX_NAME)
    return { error: `'${name.slice(0, 40)}...' is longer than ${MAX_NAME} characters` };
  if (name.startsWith(EVENT_PROPERTY_PREFIX)) {
    const path = name.slice(EVENT_PROPERTY_PREFIX.length).split('.');
    if (path.some((k) => k === '')) return { error: `'${name}' names no property: property.<name>, as sent` };
    if (path.length > MAX_PATH) return { error: `'${name}' is nested deeper than ${MAX_PATH} levels` };
    return { kind: 'event', path };
  }
  if (name.startsWith(PERSON_TRAIT_PREFIX)) {
    const trait = name.slice(PERSON_TRAIT_PREFIX.length);
    if (trait === '') return { error: `'${name}' names no trait: person.<trait>, as identify sent it` };
    return { kind: 'person', trait };
  }
  return {
    error: `'${name}' is not an event dimension (${EVENT_DIMENSION_NAMES.join(', ')}), property.<name> or person.<trait>`,
  };
}

/** The name a reference is written as in queries and answers. */
export function refName(ref: PropertyRef): string {
  if (ref.kind === 'dimension') return ref.name;
  if (ref.kind === 'event') return `${EVENT_PROPERTY_PREFIX}${ref.path.join('.')}`;
  return `${PERSON_TRAIT_PREFIX}${ref.trait}`;
}

/** A path into an event's stored JSON: its context or its properties. */
export interface StoredPath {
  in: 'context' | 'properties';
  path: readonly string[];
}

/** Where an event-side reference is in the stored event; undefined for a person's trait. */
export function storedPath(ref: PropertyRef): StoredPath | undefined {
  if (ref.kind === 'dimension') return { in: 'context', path: EVENT_DIMENSIONS[ref.name] };
  if (ref.kind === 'event') return { in: 'properties', path: ref.path };
  return undefined;
}
