export { LocalCluster, METRICS_TOKEN, NodeProcess, serverScript, type ClusterOptions } from './cluster.js';
