/**
 * metarl-lab: the public API. Notebooks import it as `../dist/lib` (compiled by `npm install`).
 */
// Foundations
export * from './config';
export * from './rng';
export * from './tf';
export * from './scale';
export * from './progress';
export * from './stats';
// The testbed (paper 000, App. 6.2)
export * from './particle';
export * from './testbed';
// Policies and learning
export * from './policy';
export * from './rollout';
export * from './adam';
export * from './vpg';
export * from './train';
// Meta-learning (paper 000 Sec. 3.2 and 4.1; survey 002)
export * from './maml';
export * from './reptile';
export * from './joint';
export * from './bandit';
export * from './adaptation';
export * from './caml';
// Policy divergence (paper 000 Alg. 1)
export * from './jensen';
export * from './kde';
export * from './divergence';
export * from './kmedoids';
export * from './tsne';
export * from './grouping';
// Results, runs and charts
export * from './results';
export * from './runner';
export * from './plotly';
export * from './charts';
export * from './tables';
// Experiments, one per figure
export * from './fig3';
export * from './fig1';
export * from './fig4';
// Policy metrics and the Siamese task metric (paper 001, Hindsight MAML)
export * from './metrics';
export * from './siamese';
export * from './replay';
export * from './hindsight';
