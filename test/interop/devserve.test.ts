// TEMPORARY dev helper (to be deleted): keeps a server up for iterating on the python script.
import { writeFileSync } from 'node:fs';
import { startParaph } from '../helpers/paraph';
test('serve', async () => {
  const s = await startParaph();
  writeFileSync('/tmp/paraph-dev-url', s.url);
  await new Promise((r) => setTimeout(r, 1_500_000));
  await s.stop();
}, 2_000_000);
