import { readFileSync, writeFileSync } from 'node:fs';

/** A field of /proc/<pid>/status in bytes (VmRSS: resident now; VmHWM: peak resident since start or reset). */
export function procStatusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
  if (!m) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}

/**
 * CPU time a process has used so far (user + system, /proc/<pid>/stat fields 14 and 15), in ms.
 * The kernel counts in clock ticks (10 ms on Linux), so measure over seconds.
 */
export function procCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** sysconf(_SC_CLK_TCK), which is 100 on every Linux this runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

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
