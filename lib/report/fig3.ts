/**
 * Figure 3 of paper 000: the three kinds of particle the figure draws (left), and the VPG
 * training curve on one entity type.
 */
import { summarize } from '../core/stats';
import { EntityType, pureRemapping } from '../envs/particle';
import { Testbed } from '../envs/testbed';
import { Saved } from '../experiments/fig3';

/** The columns of the training table the report reads. */
type CurveRow = Pick<Saved['rows'], 'seed' | 'update' | 'return'>;
import { bandFigure, bandsBy } from './charts';
import { describeChange, formatNumber, seedsOf } from './format';
import { Figure } from './plotly';

/**
 * The three entities of Fig. 3 (left): blue, a default particle (actions do what they
 * say); red, a permutation plus variance (a variant from the population); yellow, a pure
 * permutation (another latent group's remapping, without variance).
 */
export function fig3Entities(bed: Testbed): { name: string; color: string; type: EntityType }[] {
  const red = bed.types.find((t) => t.latent === 1 && t.variant === 0) ?? bed.types[0];
  const yellowLatent = bed.types.find((t) => t.latent === 2) ?? bed.types[0];
  return [
    { name: 'blue: default (no remapping)', color: '#1f77b4', type: pureRemapping([0, 1, 2, 3], -1, 0) },
    { name: `red: latent ${red.latent} variant ${red.variant} (permutation + variance)`, color: '#d62728', type: { ...red, id: 1 } },
    { name: `yellow: latent ${yellowLatent.latent} (pure permutation)`, color: '#e6ab02', type: pureRemapping(yellowLatent.perm, yellowLatent.latent, 2) },
  ];
}

/** The VPG training curve of experiments/fig3.ts: mean episode return per update, 95% band over seeds. */
export function trainingCurveFigure(rows: readonly CurveRow[], trainType: number): Figure {
  const seeds = seedsOf(rows).length;
  return bandFigure(bandsBy(rows, 'return', 'update', undefined, () => ({ name: 'mean over seeds', color: '#1f77b4' })), {
    title: `VPG on entity type ${trainType}: mean episode return, 95% CI over ${seeds} seeds`,
    xTitle: 'VPG update (K = 10 episodes each)', yTitle: 'mean episode return',
  });
}

/** The training curve in one sentence: first and last update, and the oracle's return on the same type for scale. */
export function describeTraining(rows: readonly CurveRow[], oracleReturn: number): string {
  return `${describeChange(summarize(rows, ['update'], 'return'), 'update', 'Mean episode return')}; the greedy oracle on this type: ${formatNumber(oracleReturn)}`;
}
