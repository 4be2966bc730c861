/** From tidy rows to Plotly figure specs, HTML tables and sentences; `show` puts them in a notebook. */
export * as plotly from './plotly';
export * as charts from './charts';
export * as tables from './tables';
export * as sweep from './sweep';
