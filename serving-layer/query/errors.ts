/**
 * What the query core refuses, as domain errors: the HTTP layer (query-errors.filter.ts) and the
 * report activities each map them, so the core knows nothing of either.
 */

/** A query the caller must change (unknown metric, a grouping the metric does not have): 400. */
export class BadQueryError extends Error {}

/**
 * A range no layer can answer right now (hours unsealed and older than the speed horizon, late
 * events pending beyond it); the message names what makes it answerable: 503.
 */
export class NotAnswerableError extends Error {}
