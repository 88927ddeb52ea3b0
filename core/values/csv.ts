/** A CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break. */
export const csvCell = (v: string | number): string => {
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/**
 * Text a user sent (a trait, an id), made inert for spreadsheets: a leading =, +, -, @ or control
 * character would start a formula, so it gets a quote first; numbers stay numbers.
 */
export const inertText = (v: string): string =>
  /^[=+\-@\t\r]/.test(v) && !Number.isFinite(Number(v)) ? `'${v}` : v;

/**
 * One CSV line, the only way the platform writes one (downloads, report attachments, segment
 * members): text made inert for spreadsheets, then quoted as RFC 4180 says; numbers as they are.
 */
export const csvLine = (values: readonly (string | number)[]): string =>
  values.map((v) => csvCell(typeof v === 'string' ? inertText(v) : v)).join(',');
