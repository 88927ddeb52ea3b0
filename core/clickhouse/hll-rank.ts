/**
 * A 64-bit hash `h`'s HyperLogLog register and rank in ClickHouse SQL, as core/sketches/hll.ts
 * defines them: the register is h's top 14 bits; the rank is the leading zeros of the remaining
 * 50 bits plus one, exact in integers: the rest's highest bit smeared right, then its bits counted.
 * Select HLL_SMEAR over a column `h`, then HLL_REG and HLL_RANK one level up.
 */
export const HLL_SMEAR = `bitAnd(h, 1125899906842623) AS rest,
         bitOr(rest, bitShiftRight(rest, 1)) AS x1,
         bitOr(x1, bitShiftRight(x1, 2)) AS x2,
         bitOr(x2, bitShiftRight(x2, 4)) AS x4,
         bitOr(x4, bitShiftRight(x4, 8)) AS x8,
         bitOr(x8, bitShiftRight(x8, 16)) AS x16,
         bitOr(x16, bitShiftRight(x16, 32)) AS x32`;

export const HLL_REG = 'bitShiftRight(h, 50)';

export const HLL_RANK = '51 - bitCount(x32)';
