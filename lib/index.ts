/**
 * metarl-lab: the public API. Notebooks import it as `../dist/lib` (compiled by `npm install`):
 *
 *   import * as lab from "../dist/lib";
 *   await lab.initBackend();
 *   const run = await lab.runExperiment(lab.experiments.fig4.experiment, sizes.config, { seeds: sizes.seeds });
 *   lab.show(tslab.display, lab.report.fig4.trainingFigure(run.tables.training));
 *
 * One namespace per layer, imports pointing down only:
 *   core -> envs -> policies -> divergence -> algos -> experiments -> report
 */
export * as core from './core';
export * as envs from './envs';
export * as policies from './policies';
export * as divergence from './divergence';
export * as algos from './algos';
export * as experiments from './experiments';
export * as report from './report';

// A notebook kernel stops when the Jupyter process that started it dies (core/watchdog.ts).
import { watchParent } from './core/watchdog';
watchParent();

// What nearly every notebook cell calls, also at the top level.
export { initBackend } from './core/tf';
export { scale } from './core/scale';
export { Rng } from './core/rng';
export { runExperiment } from './experiments/runner';
export { show } from './report/plotly';
export { showTable, showRun } from './report/tables';
