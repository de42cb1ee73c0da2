import { readFileSync } from 'node:fs';
import { type CallFrame, frameName } from './profile-frames.ts';

/**
 * `node --import tsx bench/src/cpu-profile.ts <file.cpuprofile> [top]`: what a V8 CPU profile (node --cpu-prof) says,
 * as text: the functions with the most time of their own, and the most time inclusive of what they call, each as a
 * share of the whole. How docs/performance.md's conclusions were read.
 */
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node --import tsx bench/src/cpu-profile.ts <file.cpuprofile> [top]');
  process.exit(2);
}
const top = Number(topArg ?? 30);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parentOf = new Map<number, number>();
for (const n of profile.nodes) for (const child of n.children ?? []) parentOf.set(child, n.id);

const nameOf = ({ callFrame }: ProfileNode) => frameName(callFrame);

const timeOf = new Map<number, number>();
profile.samples.forEach((id, i) => timeOf.set(id, (timeOf.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...timeOf.values()].reduce((a, b) => a + b, 0);
const self = new Map<string, number>();
const inclusive = new Map<string, number>();
for (const [id, time] of timeOf) {
  const leaf = nameOf(byId.get(id)!);
  self.set(leaf, (self.get(leaf) ?? 0) + time);
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
    const name = nameOf(byId.get(at)!);
    if (seen.has(name)) continue; // recursion counts once
    seen.add(name);
    inclusive.set(name, (inclusive.get(name) ?? 0) + time);
  }
}
const print = (title: string, shares: Map<string, number>) => {
  console.log(title);
  for (const [name, time] of [...shares].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${((100 * time) / total).toFixed(1).padStart(6)} %  ${name}`);
};
print(`self time (of ${(total / 1e6).toFixed(1)} s sampled)`, self);
print('\ninclusive time', inclusive);
