import { own } from '../../core/values/own';
import { csvLine } from '../../core/values/csv';
import type { SegmentMember } from '../query/segment-query';

/**
 * Members as CSV: user, first seen, then one column per trait any member has (sorted), each the
 * member's value then (JSON for objects and arrays, empty when not set).
 */
export function membersCsv(members: SegmentMember[]): string {
  const traits = [...new Set(members.flatMap((m) => Object.keys(m.traits)))].sort();
  const lines = [csvLine(['user', 'first_seen', ...traits])];
  for (const m of members) {
    const values = traits.map((t) => {
      const v = own(m.traits, t);
      return v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    });
    lines.push(csvLine([m.user, m.firstSeen, ...values]));
  }
  return lines.join('\r\n') + '\r\n';
}
