import autocannon from 'autocannon';

export interface LoadOptions {
  readonly url: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly connections: number;
  readonly durationSeconds: number;
}

export interface LoadResult {
  /** Mean of autocannon's per-second request counts (what its "Req/Sec Avg" shows). */
  readonly rps: number;
  /** 2xx responses divided by the run's duration. */
  readonly okPerSecond: number;
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number };
  readonly requests: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly durationSeconds: number;
}

/** A fixed-duration POST load with keep-alive connections, no pipelining. */
export async function postLoad(options: LoadOptions): Promise<LoadResult> {
  const r = await autocannon({
    url: options.url,
    method: 'POST',
    headers: { ...options.headers },
    body: options.body,
    connections: options.connections,
    pipelining: 1,
    duration: options.durationSeconds,
    timeout: 30,
  });
  return {
    rps: r.requests.average,
    okPerSecond: r['2xx'] / r.duration,
    latencyMs: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max },
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    durationSeconds: r.duration,
  };
}
