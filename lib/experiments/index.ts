/** Experiments (config + one seed -> tidy tables), the runner that caches them in data/, and result files. */
export * as runner from './runner';
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
