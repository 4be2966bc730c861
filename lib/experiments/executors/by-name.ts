/**
 * The lab's experiments by name, for queue workers: a unit names its experiment, and a
 * worker runs only experiments of this list (a message can never make it load a module).
 *
 * TODO(registry): replace by lib/experiments/registry.ts once it lands on main.
 */
import type { Experiment } from '../runner';
import { fig1Experiment } from '../fig1';
import { fig3Training } from '../fig3';
import { fig4Experiment } from '../fig4';
import { hindsightExperiment } from '../hindsight';

const KNOWN: readonly Experiment<object>[] = [fig1Experiment, fig3Training, fig4Experiment, hindsightExperiment] as unknown as Experiment<object>[];

/** The experiment called `name`; throws naming the known ones. */
export function experimentByName(name: string): Experiment<object> {
  const e = KNOWN.find((x) => x.name === name);
  if (!e) throw new Error(`no experiment named ${JSON.stringify(name)} in this checkout (known: ${KNOWN.map((x) => x.name).join(', ')})`);
  return e;
}
