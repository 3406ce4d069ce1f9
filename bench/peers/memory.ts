/**
 * Resident memory of a server and every process it started: a server that forks workers holds
 * the model in each, and a figure for the parent alone would hide them.
 */
import { readdirSync, readFileSync } from "node:fs";
import { statFields } from "../harness.ts";

function parentOf(pid: number): number | undefined {
  // ppid is the second field after the parenthesised command name (stat(5)).
  const ppid = statFields(`/proc/${pid}/stat`)?.[1];
  return ppid === undefined ? undefined : Number(ppid);
}

/** `pid` and all its descendants alive now. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    const child = Number(entry);
    if (!Number.isInteger(child)) continue;
    const parent = parentOf(child);
    if (parent === undefined) continue;
    children.set(parent, [...(children.get(parent) ?? []), child]);
  }
  const tree: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.shift() as number;
    tree.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return tree;
}

function rssKb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/**
 * VmRSS of the whole tree, in MB. Pages that forked processes share count once per process, so a
 * multi-process server would be charged an upper bound; every server here runs as one process.
 */
export function treeRssMb(pid: number): number {
  return (processTree(pid).reduce((sum, p) => sum + rssKb(p), 0) * 1024) / 1e6;
}
