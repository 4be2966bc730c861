/** Learning algorithms, one file each, written as pure updates over (params, batch, config). */
export * as vpg from './vpg';
export * as train from './train';
export * as reptile from './reptile';
export * as maml from './maml';
export * as caml from './caml';
export * as joint from './joint';
export * as bandit from './bandit';
export * as adaptation from './adaptation';
export * as hindsightReplay from './hindsight-replay';
export * as hindsightMaml from './hindsight-maml';
export * as gaussianVpg from './gaussian-vpg';
export * as gaussianMaml from './gaussian-maml';
export * as diayn from './diayn';
export * as dads from './dads';
