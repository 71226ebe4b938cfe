import { spawn } from 'node:child_process';

/**
 * Runs another stack's program (wsimport, javac, mono, php, python) for the interop tests. Asynchronous
 * on purpose: the server under test runs in the jest process, and spawnSync would block the event loop
 * that has to answer the program's HTTP calls (the program would hang until its timeout).
 */
export interface RunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  error?: Error;
}

/** spawnSync's result shape, without blocking the event loop. */
export function run(command: string, args: string[], timeoutMs: number, cwd?: string): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    let error: Error | undefined;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (err) => (error = err));
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr, error }));
  });
}

/** The whole output of a run, for a failing test to print. */
export function report(label: string, out: RunResult): string {
  return [
    `--- ${label}: exit status ${String(out.status)}` +
      (out.signal ? `, killed by ${out.signal}` : '') +
      (out.error ? `, error ${out.error.message}` : ''),
    '--- stdout:',
    out.stdout,
    '--- stderr:',
    out.stderr,
  ].join('\n');
}
