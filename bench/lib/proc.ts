import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** A server under test, running in its own process so that it never shares the load generator's event loop. */
export interface ServerChild {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  readonly baseUrl: string;
  /** The last lines the child wrote (stdout and stderr), for error messages. */
  output(): string;
  /** SIGTERM, then SIGKILL after a grace period. Resolves once the process is gone. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();

/** Synchronous last resort (process 'exit' handler): kills every child still running. */
export function killAllChildren(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

/** A port that was free a moment ago (the OS picks it; we release it for the child). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

export interface StartOptions {
  readonly name: string;
  /** Script run with `node`, relative to the project root or absolute. */
  readonly script: string;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly port: number;
  /** Written on stdout once the server listens. */
  readonly ready: RegExp;
  /** Extra node flags (e.g. --cpu-prof). */
  readonly nodeArgs?: readonly string[];
  readonly timeoutMs?: number;
}

export function startServer(options: StartOptions): Promise<ServerChild> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), options.script], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let tail = '';
  const keep = (chunk: Buffer): void => {
    tail = (tail + chunk.toString('utf8')).slice(-8000);
  };
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      live.delete(child);
      resolve();
    });
  });

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${options.name} did not start within ${options.timeoutMs ?? 15000} ms:\n${tail}`));
    }, options.timeoutMs ?? 15000);
    let seen = '';
    const onData = (chunk: Buffer): void => {
      keep(chunk);
      seen += chunk.toString('utf8');
      if (options.ready.test(seen)) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.on('data', keep);
        resolve({
          name: options.name,
          pid: child.pid as number,
          port: options.port,
          baseUrl: `http://127.0.0.1:${options.port}`,
          output: () => tail,
          stop,
        });
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${options.name} exited (${code ?? signal}) before it was ready:\n${tail}`));
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
