// Run as its own process by test/load.test.ts: loads the fixture into tables that already exist and kills
// itself with SIGKILL after a number of chunks, as a crash would, leaving only what was committed.
import { connect, parseConnectionString } from '../../src/engine/dialect/index.ts';
import { loadItems } from '../../src/engine/load/index.ts';
import { fixturePlan } from './load-fixture.ts';

const [sourcePath, targetUrl, chunks] = process.argv.slice(2) as [string, string, string];
const to = parseConnectionString(targetUrl);
const target = await connect(to);
let written = 0;
const plan = await fixturePlan({ engine: 'sqlite', path: sourcePath }, to, target, {
  preparation: 'keyed',
  resume: true,
  onProgress: (event) => {
    if (event.type === 'table-progress' && ++written === Number(chunks)) process.kill(process.pid, 'SIGKILL');
  },
});
await loadItems(plan);
