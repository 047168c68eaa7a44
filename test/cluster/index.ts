// The cluster harness: real Mekong processes on loopback, simulated people on Node clients, a
// seeded burst with faults, and the end-state check. Used by cluster.test.ts and bench/scale-out.ts.
export { type ClusterUser, closeUsers, loopbackFetch, problemCounts, registerUsers } from './clients';
export { type Cluster, type ClusterCpu, type ClusterOptions, type ClusterProcess, startCluster } from './cluster';
export { allOf, type ClusterConversation, type ConversationSetUp, type DirectOptions, directConversations, type GroupOptions, groupConversations, pairUp } from './conversations';
export { cpuSeconds, killAllChildren } from './processes';
export { clusterSeed, type Random, seededRandom } from './random';
export { ClusterRun, describeResult, type FaultContext, type ScenarioOptions, type ScenarioResult } from './scenario';
export { type Burst, percentile, type SentMessage, startBurst, Tracker } from './traffic';
export { fullHistory, type Verdict, verify } from './verify';
