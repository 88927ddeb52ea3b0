/**
 * The abusive client of bench/access, in a process of its own: `concurrency` loops asking one
 * route with one token, together at `perSecond` requests a second (0: as fast as answers come),
 * for `seconds`; prints its counts as JSON.
 *
 *   node --import tsx bench/access/hammer.ts <url> <token> <concurrency> <seconds> <perSecond>
 */
const [url, token, concurrency, seconds, perSecond] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];

async function main() {
  const started = Date.now();
  const until = started + Number(seconds) * 1000;
  const gap = Number(perSecond) > 0 ? 1000 / Number(perSecond) : 0;
  let next = started;
  const counts: Record<string, number> = {};
  const loop = async () => {
    while (Date.now() < until) {
      // Each loop takes the next slot of the schedule, and waits for it.
      const slot = next;
      next += gap;
      const wait = slot - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      await res.arrayBuffer();
      counts[res.status] = (counts[res.status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: Number(concurrency) }, loop));
  console.log(JSON.stringify(counts));
}

void main();
