export { LocalCluster, METRICS_TOKEN, NodeProcess, serverScript, type ClusterOptions } from './cluster.js';
export { FAST, startCluster, type ScratchCluster } from './scratch.js';
