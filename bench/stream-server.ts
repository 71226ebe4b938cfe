/**
 * Baseline for the SDS benchmarks: a bare express server that streams an uploaded body to a file and a
 * file back, nothing else (no auth, no database, no fsync). Run as a child process by bench/run.ts.
 *   POST /files      → 201, body = the new file's id
 *   GET  /files/:id  → 200, the file's bytes with Content-Length
 * Environment: BENCH_PORT (required), BENCH_DATA_DIR (required), BENCH_HOST (default 127.0.0.1),
 * BENCH_FSYNC=1 (flush each uploaded file to disk before answering, as Paraph's blob store does; a
 * reference point, not the baseline).
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import express from 'express';

const port = Number(process.env.BENCH_PORT);
const host = process.env.BENCH_HOST ?? '127.0.0.1';
const dir = process.env.BENCH_DATA_DIR;
if (!Number.isInteger(port) || port <= 0) throw new Error('BENCH_PORT must be a port number');
if (!dir) throw new Error('BENCH_DATA_DIR is required');
const fsync = process.env.BENCH_FSYNC === '1';

async function flush(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
mkdirSync(dir, { recursive: true });

const app = express();
app.disable('x-powered-by');
app.set('etag', false);

app.post('/files', (req, res) => {
  const id = randomBytes(16).toString('hex');
  const file = join(dir, id);
  pipeline(req, createWriteStream(file))
    .then(() => (fsync ? flush(file) : undefined))
    .then(
    () => {
      res.status(201).type('text/plain').send(id);
    },
    (err: unknown) => {
      res.status(500).type('text/plain').send(String(err));
    },
  );
});

app.get('/files/:id', (req, res) => {
  const id = String(req.params.id);
  if (!/^[0-9a-f]{32}$/.test(id)) {
    res.status(404).end();
    return;
  }
  const file = join(dir, id);
  stat(file).then(
    async (s) => {
      res.status(200);
      res.setHeader('Content-Type', 'application/octet-stream');
      res.setHeader('Content-Length', s.size);
      await pipeline(createReadStream(file), res);
    },
    () => {
      res.status(404).end();
    },
  ).catch(() => res.destroy());
});

const server = app.listen(port, host, () => {
  process.stdout.write(`stream-to-file listening on http://${host}:${port}\n`);
});

const stop = (): void => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
