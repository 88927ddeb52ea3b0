import { createHash } from 'node:crypto';

/**
 * HyperLogLog with p = 14 (16384 registers, standard error 1.04/sqrt(16384) ~ 0.81%).
 * The hash is the first 8 bytes of MD5(value), big-endian: ClickHouse, DuckDB and BigQuery all
 * compute MD5, so a register built in one engine merges with one built in another (max per
 * register). Register = top 14 bits; rank = leading zeros of the remaining 50 bits + 1.
 */
export const HLL_P = 14;
export const HLL_M = 1 << HLL_P;
export const HLL_STANDARD_ERROR = 1.04 / Math.sqrt(HLL_M);
const REST_BITS = 64 - HLL_P;

export function hllRegister(value: string): { reg: number; rank: number } {
  const digest = createHash('md5').update(value).digest();
  // The 64-bit hash as two 32-bit halves (no BigInt on this hot path).
  const hi = digest.readUInt32BE(0);
  const lo = digest.readUInt32BE(4);
  const reg = hi >>> (32 - HLL_P);
  const restHi = hi & ((1 << (32 - HLL_P)) - 1); // the remainder's top 18 bits
  // Leading zeros within the 50-bit remainder, plus one.
  const zeros = restHi !== 0 ? Math.clz32(restHi) - HLL_P : 32 - HLL_P + Math.clz32(lo);
  return { reg, rank: Math.min(zeros, REST_BITS) + 1 };
}

/** Cardinality estimate from registers (reg -> max rank), with linear counting for small sets. */
export function hllEstimate(registers: Map<number, number> | Iterable<[number, number]>): number {
  const regs = registers instanceof Map ? registers : new Map(registers);
  let sum = HLL_M - regs.size; // empty registers contribute 2^0 each
  for (const rank of regs.values()) sum += 2 ** -rank;
  const alpha = 0.7213 / (1 + 1.079 / HLL_M);
  const raw = (alpha * HLL_M * HLL_M) / sum;
  const zeros = HLL_M - regs.size;
  if (raw <= 2.5 * HLL_M && zeros > 0) return HLL_M * Math.log(HLL_M / zeros);
  return raw;
}

/** Merges register sets by max rank: the union's sketch. */
export function hllMerge(into: Map<number, number>, from: Iterable<[number, number]>): Map<number, number> {
  for (const [reg, rank] of from) if ((into.get(reg) ?? 0) < rank) into.set(reg, rank);
  return into;
}
