export { FAST, startCluster } from '../../src/scratch.js';

/** The sum over nodes of a Prometheus counter with the given labels, read from each node's `/metrics`. */
export async function counterSum(nodes: { metrics(): Promise<string>; running: boolean }[], name: string, labels = ''): Promise<number> {
  let sum = 0;
  for (const node of nodes) {
    if (!node.running) continue;
    const text = await node.metrics();
    for (const line of text.split('\n')) {
      if (!line.startsWith(`${name}${labels ? `{${labels}}` : ''} `) && !(labels === '' && line.startsWith(`${name} `))) continue;
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return sum;
}
