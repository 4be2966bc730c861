/** Distances between policies and tasks, and what to do with a distance matrix (cluster, embed, score a grouping). */
export * as jensen from './jensen';
export * as kde from './kde';
export * as policyDivergence from './policy-divergence';
export * as policyMetrics from './policy-metrics';
export * as equivalenceMetric from './equivalence-metric';
export * as kmedoids from './kmedoids';
export * as tsne from './tsne';
export * as grouping from './grouping';
export * as siamese from './siamese';
export * as groupRecovery from './group-recovery';
