/** The ratio, or 0 when there is nothing to divide by. */
export const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);
