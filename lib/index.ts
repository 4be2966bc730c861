/**
 * metarl-lab: the public API. Notebooks import it as `../dist/lib` (compiled by `npm install`).
 */
export * from './config';
export * from './rng';
export * from './tf';
export * from './scale';
export * from './progress';
export * from './particle';
export * from './testbed';
export * from './policy';
export * from './rollout';
export * from './adam';
export * from './vpg';
export * from './train';
export * from './stats';
export * from './results';
export * from './runner';
export * from './plotly';
export * from './charts';
export * from './tables';
export * from './fig3';
