/** From tidy rows to Plotly figure specs, HTML tables and sentences; `show` puts them in a notebook. */
export * as plotly from './plotly';
export * as charts from './charts';
export * as tables from './tables';
export * as mql from './mql';
export * as format from './format';
export * as fig1 from './fig1';
export * as fig1Tuning from './fig1-tuning';
export * as fig3 from './fig3';
export * as fig4 from './fig4';
export * as hindsightMetrics from './hindsight-metrics';
export * as hindsight from './hindsight';
export * as sweep from './sweep';
export * as diayn from './diayn';
export * as pearl from './pearl';
export * as bomrl from './bomrl';
export * as rl2 from './rl2';
export * as rl2Tuning from './rl2-tuning';
