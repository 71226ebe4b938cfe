import { readFileSync, writeFileSync } from 'node:fs';

/** A field of /proc/<pid>/status in bytes (VmRSS: resident now; VmHWM: peak resident since start or reset). */
export function procStatusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
  if (!m) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}

/** Resets the peak-RSS counter (VmHWM) of a process we own; false where the kernel refuses. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

export interface RssSampler {
  /** Stops sampling; returns every sample taken, in bytes. */
  stop(): number[];
}

/** Reads VmRSS every `intervalMs` from this process's event loop (timers keep firing while streams flow). */
export function sampleRss(pid: number, intervalMs: number): RssSampler {
  const samples: number[] = [procStatusBytes(pid, 'VmRSS')];
  const timer = setInterval(() => {
    try {
      samples.push(procStatusBytes(pid, 'VmRSS'));
    } catch {
      // the process went away; the caller notices elsewhere
    }
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      try {
        samples.push(procStatusBytes(pid, 'VmRSS'));
      } catch {
        // gone
      }
      return samples;
    },
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
