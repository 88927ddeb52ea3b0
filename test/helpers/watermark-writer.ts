/**
 * A batch publisher as a process of its own, for the watermark tests: publishes each hour given
 * on the command line (ISO, in that order) and asks the watermark to follow, as the hourly runs and
 * backfill children do. `--loop` starts over forever (to be killed with SIGKILL at any point).
 */
import { LocalStorage } from '../../core/lake/local-storage';
import { publishHour } from '../../core/lake/views';
import { advanceWatermark } from '../../core/lake/watermark';

const [root, ...rest] = process.argv.slice(2);
const loop = rest.includes('--loop');
const hours = rest.filter((a) => a !== '--loop');
if (!root || hours.length === 0) throw new Error('usage: watermark-writer <lake> <hour>... [--loop]');
const lake = new LocalStorage(root);
async function run() {
  do {
    for (const hour of hours) {
      await publishHour(lake, {
        hour,
        version: `p${process.pid}`,
        measures: 'm.parquet',
        uniques: 'u.parquet',
        events: 0,
        computedAt: '',
      });
      await advanceWatermark(lake, hour);
    }
  } while (loop);
}
void run();
