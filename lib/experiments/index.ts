/** Experiments (config + one seed -> declared tidy tables), the runner, the unit store that caches them in data/, and result files. */
export * as runner from './runner';
export * as store from './store';
export * as tables from './tables';
export * as registry from './registry';
export * as results from './results';
export * as fig1 from './fig1';
export * as fig1Tuning from './fig1-tuning';
export * as fig3 from './fig3';
export * as fig4 from './fig4';
export * as hindsight from './hindsight';
export * as sweep from './sweep';
export * as executors from './executors';
export * as diayn from './diayn';
export * as mql from './mql';
export * as pearl from './pearl';
export * as bomrl from './bomrl';
export * as rl2 from './rl2';
