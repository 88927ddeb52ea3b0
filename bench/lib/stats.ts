/** Percentile of a sorted ascending array (nearest rank). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

export const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/**
 * Ours beside the physical limit, interleaved so both see the same noise: one warm-up each, then
 * `runs` rounds; the best time of each and the first round's answers (to check they agree).
 */
export async function sideBySide<A, B>(
  ours: () => Promise<A>,
  bare: () => Promise<B>,
  runs = 3,
): Promise<{ ours: number; bare: number; oursAnswer: A; bareAnswer: B }> {
  const timed = async <T>(f: () => Promise<T>) => {
    const t = performance.now();
    const r = await f();
    return { ms: performance.now() - t, r };
  };
  await ours();
  await bare();
  const rounds: { ours: { ms: number; r: A }; bare: { ms: number; r: B } }[] = [];
  for (let i = 0; i < runs; i++) rounds.push({ ours: await timed(ours), bare: await timed(bare) });
  const first = rounds[0] as (typeof rounds)[number];
  return {
    ours: Math.min(...rounds.map((r) => r.ours.ms)),
    bare: Math.min(...rounds.map((r) => r.bare.ms)),
    oursAnswer: first.ours.r,
    bareAnswer: first.bare.r,
  };
}

/** The table a side-by-side bench prints (bench/RESULTS.md keeps it): sizes, both times, their ratio, agreement. */
export function sideBySideTable(
  say: (line: string) => void,
  r: { sizes: string; ours: string; bare: string; agree: string },
  m: { ours: number; bare: number },
  agreed: boolean,
): void {
  say('');
  say('| measure | value |');
  say('| --- | ---: |');
  say(`| users / events | ${r.sizes} |`);
  say(`| ${r.ours}, best of 3, ms | ${fmt(m.ours)} |`);
  say(`| ${r.bare}, best of 3, ms | ${fmt(m.bare)} |`);
  say(`| bare / ours | ${fmt(m.bare / m.ours, 2)} |`);
  say(`| ${r.agree} | ${agreed ? 'yes' : 'NO'} |`);
}

/**
 * The longest time the event loop stood still while `f` ran: what every other request served by
 * the same process waited at worst. A 1 ms timer notes each gap between its turns.
 */
export async function longestStall<T>(f: () => Promise<T>): Promise<{ ms: number; stallMs: number; r: T }> {
  let last = performance.now();
  let stallMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    stallMs = Math.max(stallMs, now - last);
    last = now;
  }, 1);
  const t = performance.now();
  try {
    const r = await f();
    const ms = performance.now() - t;
    stallMs = Math.max(stallMs, performance.now() - last);
    return { ms, stallMs, r };
  } finally {
    clearInterval(timer);
  }
}
