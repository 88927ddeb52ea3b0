/**
 * The abusive client of bench/access, in a process of its own: `concurrency` loops asking one
 * route with one token as fast as answers come, for `seconds`; prints its counts as JSON.
 *
 *   node --import tsx bench/access/hammer.ts <url> <token> <concurrency> <seconds>
 */
const [url, token, concurrency, seconds] = process.argv.slice(2) as [string, string, string, string];

async function main() {
  const until = Date.now() + Number(seconds) * 1000;
  const counts: Record<string, number> = {};
  const loop = async () => {
    while (Date.now() < until) {
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      await res.arrayBuffer();
      counts[res.status] = (counts[res.status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: Number(concurrency) }, loop));
  console.log(JSON.stringify(counts));
}

void main();
