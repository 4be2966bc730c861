/**
 * The experiments workers may run, by name. A unit request names an experiment
 * ("fig4-divergence"), never a module path: a message (from a worker pool, from a queue
 * on another machine) or a data file cannot make a worker load code of its choosing.
 *
 * The lab's own experiments are listed below and load on first use. Code outside lib/
 * (tests, a user's own experiment module) adds its experiments with
 * `registerExperiment(exp, __filename)` when its module loads; a worker thread of this
 * process loads those same modules at start (the list comes from this process's code,
 * not from a message), so they register there too.
 */
import { AnyExperiment, checkExperiment, Experiment } from './experiment';
import type { TablesSchema } from './tables';

/** The lab's experiments: name -> loader. */
const BUILT_IN: Record<string, () => AnyExperiment> = {
  'fig1-adaptation': () => require('./fig1').experiment,
  'fig3-vpg': () => require('./fig3').experiment,
  'fig4-divergence': () => require('./fig4').experiment,
  'hindsight-maml': () => require('./hindsight').experiment,
  'diayn-uml': () => require('./diayn').experiment,
  'diayn-particle': () => require('./diayn').particleSkills,
  'dads-skills': () => require('./diayn').dadsSkills,
  'pearl-sparse-navigation': () => require('./pearl').experiment,
  'pearl-maml-baseline': () => require('./pearl').mamlExperiment,
  'mql': () => require('./mql').mqlExperiment,
  'bo-mrl-optimality-gap': () => require('./bomrl').experiment,
};

const added = new Map<string, { exp: AnyExperiment; module: string }>();

/**
 * Make `exp` known by its name to this process and to its worker threads.
 * @param module the compiled file that calls this when it loads (pass `__filename`)
 */
export function registerExperiment<C extends object, In, T extends TablesSchema>(exp: Experiment<C, In, T>, module: string): void {
  const e = exp as unknown as AnyExperiment;
  checkExperiment(e);
  if (Object.prototype.hasOwnProperty.call(BUILT_IN, e.name)) throw new Error(`experiment "${e.name}" is one of the lab's own; pick another name`);
  const prev = added.get(e.name);
  if (prev && prev.exp !== e && prev.module !== module) throw new Error(`experiment "${e.name}" is already registered from ${prev.module}`);
  added.set(e.name, { exp: e, module });
}

/** Every known experiment name. */
export function experimentNames(): string[] {
  return [...Object.keys(BUILT_IN), ...added.keys()].sort();
}

/** The experiment called `name`; throws listing the known names. */
export function getExperiment(name: string): AnyExperiment {
  if (typeof name === 'string' && Object.prototype.hasOwnProperty.call(BUILT_IN, name)) {
    const exp = BUILT_IN[name]();
    if (!exp || exp.name !== name) throw new Error(`registry: the loader of "${name}" gave ${exp?.name === undefined ? 'nothing' : `"${exp.name}"`}`);
    return exp;
  }
  const a = typeof name === 'string' ? added.get(name) : undefined;
  if (a) return a.exp;
  throw new Error(`unknown experiment ${JSON.stringify(name)} (known: ${experimentNames().join(', ')})`);
}

/** Whether `exp` is the experiment registered under its name (so a worker can find it). */
export function isRegistered(exp: AnyExperiment): boolean {
  try {
    return getExperiment(exp.name) === exp;
  } catch {
    return false;
  }
}

/** Modules that registered experiments in this process, for worker threads to load at start. */
export function registeredModules(): string[] {
  return [...new Set([...added.values()].map((a) => a.module))];
}
