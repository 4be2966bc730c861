/** Foundations every layer uses: configs, seeded randomness, the tfjs backend, Adam, statistics, progress, run scale. */
export * from './config';
export * from './rng';
export * from './tf';
export * from './adam';
export * from './stats';
export * from './progress';
export * from './scale';
export * from './row';
export * from './schema';
export * from './logistic-regression';
export * from './stop-gradient';
export * from './pairs';
export { EnvError, labEnv, LabEnv } from './env';
export * as linalg from './linalg';
