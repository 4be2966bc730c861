/**
 * The lab's experiments by name, for queue workers: a unit names its experiment, and a
 * worker runs only experiments of this list (a message can never make it load a module).
 *
 * TODO(registry): replace by lib/experiments/registry.ts once it lands on main.
 */
import type { Experiment } from '../runner';
import * as fig1 from '../fig1';
import * as fig3 from '../fig3';
import * as fig4 from '../fig4';
import * as hindsight from '../hindsight';

const KNOWN: readonly Experiment<object>[] = [fig1.experiment, fig3.experiment, fig4.experiment, hindsight.experiment] as unknown as Experiment<object>[];

/** The experiment called `name`; throws naming the known ones. */
export function experimentByName(name: string): Experiment<object> {
  const e = KNOWN.find((x) => x.name === name);
  if (!e) throw new Error(`no experiment named ${JSON.stringify(name)} in this checkout (known: ${KNOWN.map((x) => x.name).join(', ')})`);
  return e;
}
