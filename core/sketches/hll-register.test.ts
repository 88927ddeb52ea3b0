import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hllRegister } from './hll';

/** The definition, with BigInt: first 8 bytes of MD5 big-endian; top 14 bits; leading zeros of the other 50, plus one. */
function reference(value: string) {
  const h = createHash('md5').update(value).digest().readBigUInt64BE(0);
  const rest = h & ((1n << 50n) - 1n);
  return { reg: Number(h >> 50n), rank: rest === 0n ? 51 : 50 - rest.toString(2).length + 1 };
}

describe('hllRegister', () => {
  it('matches the 64-bit definition the other engines compute', () => {
    for (let i = 0; i < 20_000; i++) expect(hllRegister(`v${i}`)).toEqual(reference(`v${i}`));
  });
});
