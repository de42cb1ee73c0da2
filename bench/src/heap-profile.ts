import { readFileSync } from 'node:fs';
import { type CallFrame, frameName } from './profile-frames.ts';

/**
 * `node --import tsx bench/src/heap-profile.ts <file.heapprofile> [top] [events]`: what a sampling heap profile
 * (`PROF_KIND=heap` with scripts/cpu-profile-hook.mjs) says, as text: the functions that allocated most themselves,
 * and most inclusive of what they call, each as a share of all that was sampled; with `events`, the bytes sampled
 * per event too. How docs/performance.md's allocation profiles were read.
 */
interface HeapNode {
  readonly callFrame: CallFrame;
  readonly selfSize: number;
  readonly children?: readonly HeapNode[];
}

const [file, topArg, eventsArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node --import tsx bench/src/heap-profile.ts <file.heapprofile> [top] [events]');
  process.exit(2);
}
const top = Number(topArg ?? 30);
const { head } = JSON.parse(readFileSync(file, 'utf8')) as { head: HeapNode };

let total = 0;
const self = new Map<string, number>();
const inclusive = new Map<string, number>();
const walk = (node: HeapNode, above: ReadonlySet<string>) => {
  const name = frameName(node.callFrame);
  total += node.selfSize;
  self.set(name, (self.get(name) ?? 0) + node.selfSize);
  const here = new Set(above).add(name); // recursion counts once
  for (const n of here) inclusive.set(n, (inclusive.get(n) ?? 0) + node.selfSize);
  for (const child of node.children ?? []) walk(child, here);
};
walk(head, new Set());

const MiB = 1024 * 1024;
const events = Number(eventsArg);
const perEvent = events > 0 ? `, ${(total / events / 1024).toFixed(1)} KiB an event over ${events.toLocaleString('en-US')}` : '';
const print = (title: string, shares: Map<string, number>) => {
  console.log(title);
  for (const [name, bytes] of [...shares].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${((100 * bytes) / total).toFixed(1).padStart(6)} %  ${name}`);
};
print(`allocated, self (of ${(total / MiB).toFixed(0)} MiB sampled${perEvent})`, self);
print('\nallocated, inclusive', inclusive);
