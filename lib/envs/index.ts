/** Environments: batched step functions over typed arrays; tasks are plain data. */
export * as particle from './particle';
export * as testbed from './testbed';
export * as pointNav from './point-nav';
export * as particleContinuous from './particle-continuous';
export * as metaEnv from './meta-env';
export * as navTasks from './nav-tasks';
export * as lake from './lake';
