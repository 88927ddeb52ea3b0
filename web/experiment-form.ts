import { field, numberField, rowsHtml } from './define-form';

/** Catalog metrics with a mean per user (what the API accepts as a guardrail or a mean goal). */
const MEAN_METRICS = [
  'revenue',
  'refunds',
  'orders',
  'page_views',
  'content_plays',
  'content_watch_seconds',
  'content_completions',
  'checkouts',
  'add_to_carts',
];

const VARIATION = `<div class="row"><label>variation id<input name="variation-id" maxlength="100" /></label>
  <label>name<input name="variation-name" maxlength="200" /></label>
  <label>weight<input name="variation-weight" type="number" step="0.01" min="0.01" max="1" value="0.5" /></label>
  <button type="button" data-remove aria-label="remove this variation">✕</button></div>`;

/** The fields of an experiment: what the JSON holds, one input each, two variations to start. */
export function experimentFields(): string {
  const today = new Date().toISOString().slice(0, 10);
  return `<div class="fields">
    <label>id<input name="id" placeholder="new-checkout" /></label>
    <label>name<input name="name" maxlength="200" placeholder="One-page checkout" /></label>
    <label>start (UTC)<input name="start" type="date" value="${today}" /></label>
    <label>end (UTC, optional)<input name="end" type="date" /></label>
    <label>conversion window (hours)<input name="window" type="number" min="1" max="2160" value="72" /></label>
  </div>
  <fieldset><legend>Variations (the first is the control; weights add up to 1)</legend>
    ${rowsHtml('variations', VARIATION, 2, 'add a variation')}</fieldset>
  <fieldset><legend>Goal: users who did this event after their first exposure</legend><div class="fields">
    <label>event<input name="goal-event" value="purchase" /></label>
    <label>where property (optional)<input name="goal-property" /></label>
    <label>equals<input name="goal-equals" /></label></div></fieldset>
  <fieldset><legend>Guardrail (optional): a mean per user that must not get worse</legend><div class="fields">
    <label>metric<select name="guardrail"><option value="">none</option>${MEAN_METRICS.map((m) => `<option>${m}</option>`).join('')}</select></label></div></fieldset>`;
}

/** The API's body from the fields; a message naming the field when one is wrong. */
export function experimentBody(form: HTMLFormElement): { id: string } {
  const rows = [...form.querySelectorAll('[data-rows=variations] .row')];
  const variations = rows.map((r, i) => {
    const id = field(r, 'variation-id');
    if (!id) throw new Error(`variation ${i + 1} needs an id`);
    const name = field(r, 'variation-name');
    return {
      id,
      ...(name ? { name } : {}),
      weight: numberField(r, 'variation-weight', `the weight of ${id}`) ?? 0,
    };
  });
  const property = field(form, 'goal-property');
  const equals = field(form, 'goal-equals');
  const guardrail = field(form, 'guardrail');
  const end = field(form, 'end');
  const name = field(form, 'name');
  return {
    id: field(form, 'id') ?? '',
    ...(name ? { name } : {}),
    variations,
    start: `${field(form, 'start') ?? ''}T00:00:00Z`,
    ...(end ? { end: `${end}T00:00:00Z` } : {}),
    goals: [
      {
        kind: 'conversion',
        event: field(form, 'goal-event') ?? '',
        ...(property ? { where: { property, equals: equals ?? '' } } : {}),
      },
    ],
    ...(guardrail ? { guardrails: [{ kind: 'mean', metric: guardrail }] } : {}),
    conversionWindowHours: numberField(form, 'window', 'the conversion window') ?? 72,
  } as { id: string };
}
