/**
 * Figure 3 of paper 000 (left): the three kinds of particle the figure draws.
 */
import { EntityType, pureRemapping } from '../envs/particle';
import { Testbed } from '../envs/testbed';

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
