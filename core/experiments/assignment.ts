/**
 * Deterministic assignment of users to variations, the way GrowthBook's SDKs do it (hashing
 * version 2), so a server assigns without a round trip and gets the SDK's answer: the same user,
 * seed and weights give the same variation in every process and every language.
 */

/** FNV-1a, 32 bits, over UTF-16 code units (what the SDKs hash). */
function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    // h * 16777619 (the FNV prime) modulo 2^32, as shifts and adds.
    h += (h << 1) + (h << 4) + (h << 7) + (h << 8) + (h << 24);
  }
  return h >>> 0;
}

/** A user's position in [0, 1) for a seed: version 2, the SDKs' unbiased hash (4 decimal places). */
export function assignmentHash(seed: string, value: string): number {
  return (fnv1a32(String(fnv1a32(seed + value))) % 10_000) / 10_000;
}

/**
 * Each variation's range of [0, 1): consecutive by weight, each covering `coverage` of its share
 * (users outside every range are not in the experiment).
 */
export function bucketRanges(weights: readonly number[], coverage = 1): [number, number][] {
  let start = 0;
  return weights.map((w) => {
    const range: [number, number] = [start, start + coverage * w];
    start += w;
    return range;
  });
}

export interface Assignment {
  /** The variation's index, or -1 when the user falls outside the experiment's coverage. */
  index: number;
  hash: number;
}

/** Where `userId` lands for an experiment of this seed, weights and coverage. */
export function assign(seed: string, userId: string, weights: readonly number[], coverage = 1): Assignment {
  const hash = assignmentHash(seed, userId);
  const index = bucketRanges(weights, coverage).findIndex(([from, to]) => hash >= from && hash < to);
  return { index, hash };
}

/** What an experiment's assignment answers for one user (the API and the CLI). */
export interface UserAssignment {
  experiment: string;
  userId: string;
  /** False outside the experiment's coverage: show the control, and send no exposure. */
  inExperiment: boolean;
  variationId: string | null;
  variationIndex: number;
  /** Whether `now` is within the experiment's start and end. */
  running: boolean;
  hashVersion: 2;
}

/** The variation `userId` sees in an experiment (seed: the experiment's, else its id). */
export function assignUser(
  e: {
    id: string;
    seed?: string | undefined;
    variations: readonly { id: string; weight: number }[];
    coverage: number;
    start: string;
    end?: string | undefined;
  },
  userId: string,
  now = Date.now(),
): UserAssignment {
  const { index } = assign(
    e.seed ?? e.id,
    userId,
    e.variations.map((v) => v.weight),
    e.coverage,
  );
  return {
    experiment: e.id,
    userId,
    inExperiment: index >= 0,
    variationId: index >= 0 ? (e.variations[index]?.id ?? null) : null,
    variationIndex: index,
    running: now >= Date.parse(e.start) && (e.end === undefined || now < Date.parse(e.end)),
    hashVersion: 2,
  };
}
