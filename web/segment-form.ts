import { field, numberField, rowsHtml } from './define-form';

const OPS = [
  ['equals', 'equals'],
  ['in', 'is one of (comma-separated)'],
  ['contains', 'contains'],
  ['between', 'is between (min,max)'],
  ['set', 'is set'],
  ['not_set', 'is not set'],
] as const;

const CONDITION = `<div class="row">
  <label>not<input type="checkbox" name="negate" /></label>
  <label>kind<select name="kind"><option value="trait">a trait</option><option value="event">did an event</option></select></label>
  <label>trait or event<input name="subject" placeholder="plan, or purchase" /></label>
  <label>trait test<select name="op">${OPS.map(([v, l]) => `<option value="${v}">${l}</option>`).join('')}</select></label>
  <label>value<input name="value" placeholder="premium" /></label>
  <label>at least (times)<input name="atLeast" type="number" min="1" value="1" /></label>
  <label>in the last (days)<input name="inLastDays" type="number" min="1" max="365" value="30" /></label>
  <button type="button" data-remove aria-label="remove this condition">✕</button></div>`;

/** The fields of a segment: conditions on traits or behaviour, all or any of them, each negatable. */
export function segmentFields(): string {
  return `<div class="fields">
    <label>id<input name="id" placeholder="repeat-buyers" /></label>
    <label>name<input name="name" maxlength="200" placeholder="Repeat buyers" /></label>
    <label>users who meet<select name="join"><option value="and">all of the conditions</option><option value="or">any of the conditions</option></select></label>
  </div>
  <fieldset><legend>Conditions (a trait's latest value; an event at least N times in the last D days)</legend>
    ${rowsHtml('conditions', CONDITION, 1, 'add a condition')}</fieldset>`;
}

const scalar = (v: string): string | number | boolean =>
  v === 'true' ? true : v === 'false' ? false : v !== '' && Number.isFinite(Number(v)) ? Number(v) : v;

function condition(row: Element, i: number): unknown {
  const subject = field(row, 'subject');
  if (!subject) throw new Error(`condition ${i + 1} needs a trait or an event`);
  const value = field(row, 'value') ?? '';
  let c: unknown;
  if (field(row, 'kind') === 'event')
    c = {
      event: subject,
      atLeast: numberField(row, 'atLeast', `condition ${i + 1}: at least`) ?? 1,
      inLastDays: numberField(row, 'inLastDays', `condition ${i + 1}: in the last`) ?? 30,
    };
  else {
    const op = field(row, 'op') ?? 'equals';
    if (op === 'set' || op === 'not_set') c = { trait: subject, op };
    else if (op === 'in') c = { trait: subject, op, values: value.split(',').map((v) => scalar(v.trim())) };
    else if (op === 'between') {
      const [min, max] = value.split(',').map((v) => (v.trim() === '' ? undefined : Number(v)));
      c = {
        trait: subject,
        op,
        ...(min !== undefined ? { min } : {}),
        ...(max !== undefined ? { max } : {}),
      };
    } else if (op === 'contains') c = { trait: subject, op, value };
    else c = { trait: subject, op, value: scalar(value) };
  }
  return (row.querySelector('[name=negate]') as HTMLInputElement).checked ? { not: c } : c;
}

/** The API's body from the fields; a message naming the condition when one is incomplete. */
export function segmentBody(form: HTMLFormElement): { id: string } {
  const conditions = [...form.querySelectorAll('[data-rows=conditions] .row')].map(condition);
  if (conditions.length === 0) throw new Error('add at least one condition');
  const name = field(form, 'name');
  return {
    id: field(form, 'id') ?? '',
    ...(name ? { name } : {}),
    condition: conditions.length === 1 ? conditions[0] : { [field(form, 'join') ?? 'and']: conditions },
  } as { id: string };
}
