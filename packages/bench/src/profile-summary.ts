import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { repoRoot } from './proc.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface HotFunction {
  name: string;
  where: string;
  selfMs: number;
  /** Share of the non-idle time. */
  percent: number;
}

/** Where a V8 profile's script lives, shortened to something readable (package/file:line). */
function location(url: string, line: number): string {
  if (url === '') return '';
  if (url.startsWith('node:')) return `${url}:${line + 1}`;
  const path = url.startsWith('file://') ? new URL(url).pathname : url;
  const pnpm = path.lastIndexOf('/node_modules/');
  const short = pnpm >= 0 ? path.slice(pnpm + '/node_modules/'.length) : relative(repoRoot, path);
  return `${short}:${line + 1}`;
}

/** The `top` functions of a `.cpuprofile` by self time, idle time left out. */
export function summariseProfile(path: string, top = 20): { totalMs: number; idleMs: number; functions: HotFunction[] } {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  // Samples under the probe's own frames (the profiler starting) are not the server's work.
  const skip = new Set<number>();
  const mark = (node: ProfileNode & { children?: number[] }, inside: boolean) => {
    const here = inside || node.callFrame.url.endsWith('/probe.mjs');
    if (here) skip.add(node.id);
    for (const child of node.children ?? []) mark(byId.get(child) as ProfileNode & { children?: number[] }, here);
  };
  if (profile.nodes[0]) mark(profile.nodes[0], false);
  const self = new Map<string, { name: string; where: string; us: number }>();
  let idle = 0;
  let total = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    const node = byId.get(id);
    if (!node || skip.has(id)) return;
    const name = node.callFrame.functionName || '(anonymous)';
    if (name === '(idle)') {
      idle += delta;
      return;
    }
    total += delta;
    const where = location(node.callFrame.url, node.callFrame.lineNumber);
    const key = `${name}@${where}`;
    const entry = self.get(key) ?? { name, where, us: 0 };
    entry.us += delta;
    self.set(key, entry);
  });
  const functions = [...self.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((f) => ({ name: f.name, where: f.where, selfMs: f.us / 1000, percent: total > 0 ? (f.us / total) * 100 : 0 }));
  return { totalMs: total / 1000, idleMs: idle / 1000, functions };
}
