/**
 * Summarises a V8 .cpuprofile (from `BENCH_PROFILE=1 npm run bench`, written to .bench/profiles/):
 * self time by function and by source area (Paraph's src/ by file, node_modules by package, node
 * internals, native/GC/idle), and inclusive time of Paraph's own functions.
 *
 *   node dist/bench/profile-summary.js .bench/profiles/paraph-….cpuprofile [top=25]
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function area(url: string, name: string): string {
  if (name === '(idle)' || name === '(program)' || name === '(garbage collector)') return name;
  if (!url) return '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return `pkg ${nm[1]}`;
  const src = /\/dist\/(src|bench)\/(.+)$/.exec(url);
  if (src) return `${src[1]}/${src[2]}`;
  if (url.startsWith('node:')) return url;
  return url;
}

function main(): void {
  const [file, topArg] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node dist/bench/profile-summary.js <file.cpuprofile> [top]\n');
    process.exitCode = 2;
    return;
  }
  const top = Number(topArg ?? 25);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  let total = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    total += us;
    if (byId.get(id)?.callFrame.functionName === '(idle)') idle += us;
  }
  const busy = total - idle;

  const fnSelf = new Map<string, number>();
  const areaSelf = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id) as ProfileNode;
    const cf = node.callFrame;
    const key = `${cf.functionName || '(anonymous)'}  ${area(cf.url, cf.functionName)}:${cf.lineNumber + 1}`;
    fnSelf.set(key, (fnSelf.get(key) ?? 0) + us);
    const a = area(cf.url, cf.functionName);
    areaSelf.set(a, (areaSelf.get(a) ?? 0) + us);
    // Inclusive time of Paraph's src/ functions: each distinct frame once per sample stack.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = (byId.get(cur) as ProfileNode).callFrame;
      if (!/\/dist\/src\//.test(f.url)) continue;
      const k = `${f.functionName || '(anonymous)'}  ${area(f.url, f.functionName)}:${f.lineNumber + 1}`;
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + us);
    }
  }

  const pct = (us: number): string => `${((100 * us) / busy).toFixed(1).padStart(5)}%`;
  const ms = (us: number): string => `${(us / 1000).toFixed(0).padStart(7)} ms`;
  const list = (title: string, m: Map<string, number>, n: number): void => {
    process.stdout.write(`\n${title}\n`);
    for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n)) {
      process.stdout.write(`${ms(us)} ${pct(us)}  ${k}\n`);
    }
  };
  process.stdout.write(`${file}\nsampled ${ms(total)}, idle ${ms(idle)}, busy ${ms(busy)} (percentages are of busy time)\n`);
  areaSelf.delete('(idle)');
  list('Self time by area', areaSelf, top);
  fnSelf.delete(`(idle)  (idle):0`);
  list('Self time by function', fnSelf, top);
  list("Inclusive time of Paraph's functions (src/)", inclusive, top);
}

main();
