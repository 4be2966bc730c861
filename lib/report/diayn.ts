/**
 * Figures, tables and sentences of the DIAYN / unsupervised meta-RL notebook, from the
 * tables of experiments/diayn.ts. Every number a sentence states is computed here from
 * the saved rows.
 */
import { Row } from '../core/row';
import { groupRows, mean, meanBy, meanCI, pairedComparison, summarize } from '../core/stats';
import { formatInterval } from './format';
import { goalSplit, PointNavConfig } from '../envs/point-nav';
import type { DadsSkillsConfig, ParticleSkillsConfig, Saved, UmlConfig } from '../experiments/diayn';

/** The columns each function reads (tables of experiments/diayn.ts, with `seed`). */
type SkillRow = Saved['skills'];
type TrainingRow = Pick<Saved['training'], 'seed' | 'iteration' | 'accuracy' | 'chance' | 'miLowerBound' | 'logK'>;
type AdaptationRow = Saved['adaptation'];
type MetaRow = Saved['metaTraining'];
type DadsRow = Pick<Saved['dadsTraining'], 'seed' | 'iteration' | 'miEstimate' | 'logK'>;
import { BandSeries, gridLayout, panelAxes, panelBandFigure, summaryBand } from './charts';
import { Figure, Trace } from './plotly';

/** Display names of the three initialisations. */
export const METHOD_LABELS: Record<string, string> = {
  diayn: 'MAML on DIAYN tasks (self-proposed)',
  hand: 'MAML on hand-designed goals',
  random: 'random initialisation',
};
const METHOD_COLORS: Record<string, string> = { diayn: '#d62728', hand: '#1f77b4', random: '#7f7f7f' };

/** A distinct colour per skill: evenly spaced hues. */
export function skillColor(z: number, nSkills: number): string {
  return `hsl(${Math.round((360 * z) / Math.max(nSkills, 1))}, 70%, 45%)`;
}

function seedsOf(rows: readonly { seed: number }[]): number[] {
  return [...new Set(rows.map((r) => r.seed))].sort((a, b) => a - b);
}

/**
 * Paths of every skill from the origin, coloured by skill, end points marked; one panel
 * per seed (at most `maxPanels`). For point navigation, the training and held-out goals
 * are drawn as context (DIAYN never sees them).
 */
export function skillPathsFigure(rows: readonly SkillRow[], opts: { title?: string; env?: PointNavConfig; maxPanels?: number; columns?: number } = {}): Figure {
  const seeds = seedsOf(rows).slice(0, opts.maxPanels ?? 3);
  const nSkills = Math.max(...rows.map((r) => r.skill)) + 1;
  const { layout } = gridLayout(seeds.length, seeds.map((s) => `seed ${s}`), { title: opts.title ?? 'Skills from the origin', columns: opts.columns ?? 3, panelHeight: 340 });
  (layout.legend as Record<string, unknown>).title = { text: 'skill:' };
  const data: Trace[] = [];
  const split = opts.env ? goalSplit(opts.env) : null;
  seeds.forEach((seed, p) => {
    const a = panelAxes(p);
    const mine = rows.filter((r) => r.seed === seed);
    for (let z = 0; z < nSkills; z++) {
      const x: (number | null)[] = [], y: (number | null)[] = [], ex: number[] = [], ey: number[] = [];
      for (const [, ep] of groupRows(mine.filter((r) => r.skill === z), ['episode'])) {
        const sorted = ep.slice().sort((u, v) => u.t - v.t);
        for (const r of sorted) {
          x.push(r.x);
          y.push(r.y);
        }
        x.push(null);
        y.push(null);
        const last = sorted[sorted.length - 1];
        ex.push(last.x);
        ey.push(last.y);
      }
      const color = skillColor(z, nSkills), name = `skill ${z}`;
      data.push({ type: 'scatter', mode: 'lines', x, y, xaxis: a.x, yaxis: a.y, name, legendgroup: name, showlegend: p === 0, line: { color, width: 1.3 }, opacity: 0.75, hovertemplate: `${name}<br>(%{x:.2f}, %{y:.2f})<extra>seed ${seed}</extra>` });
      data.push({ type: 'scatter', mode: 'markers', x: ex, y: ey, xaxis: a.x, yaxis: a.y, name, legendgroup: name, showlegend: false, marker: { color, size: 7 }, hovertemplate: `${name} ends at (%{x:.2f}, %{y:.2f})<extra>seed ${seed}</extra>` });
    }
    if (split) {
      const pts = (g: Float32Array) => ({ x: Array.from(g.filter((_, i) => i % 2 === 0)), y: Array.from(g.filter((_, i) => i % 2 === 1)) });
      data.push({ type: 'scatter', mode: 'markers', ...pts(split.train), xaxis: a.x, yaxis: a.y, name: 'training goals', legendgroup: 'train', showlegend: p === 0, marker: { symbol: 'circle-open', size: 5, color: '#1f77b4' }, hoverinfo: 'skip' });
      data.push({ type: 'scatter', mode: 'markers', ...pts(split.test), xaxis: a.x, yaxis: a.y, name: 'held-out goals', legendgroup: 'test', showlegend: p === 0, marker: { symbol: 'star', size: 8, color: 'black' }, hoverinfo: 'skip' });
    }
    data.push({ type: 'scatter', mode: 'markers', x: [0], y: [0], xaxis: a.x, yaxis: a.y, name: 'start', legendgroup: 'start', showlegend: p === 0, marker: { symbol: 'x', size: 10, color: 'black' } });
    layout[a.xKey] = { zeroline: false, title: { text: 'x' } };
    layout[a.yKey] = { zeroline: false, scaleanchor: a.x, title: { text: p === 0 ? 'y' : '' } };
  });
  return { data, layout };
}

/**
 * DIAYN over training, bands over seeds: the discriminator's accuracy (chance 1/K dashed)
 * and the lower bound E[log q(z|s) - log p(z)] on I(S; Z) (its ceiling log K dashed).
 */
export function trainingFigure(rows: readonly TrainingRow[], opts: { title?: string } = {}): Figure {
  const acc = [summaryBand(summarize(rows, ['iteration'], 'accuracy'), 'iteration', { name: 'discriminator accuracy', color: '#1f77b4' })];
  const mi = [summaryBand(summarize(rows, ['iteration'], 'miLowerBound'), 'iteration', { name: 'I(S;Z) lower bound (nats)', color: '#d62728' })];
  const flat = (name: string, y: number, xs: readonly number[]): BandSeries => ({ name, x: xs, mean: xs.map(() => y), lo: xs.map(() => y), hi: xs.map(() => y), color: '#7f7f7f', dash: 'dash' });
  const xs = acc[0]?.x ?? [];
  const chance = rows[0]?.chance ?? NaN, logK = rows[0]?.logK ?? NaN;
  const fig = panelBandFigure([
    { title: 'discriminator accuracy on the batch\'s states', series: [...acc, flat(`chance 1/K = ${chance.toFixed(3)}`, chance, xs)] },
    { title: 'E[log q(z|s) − log p(z)] (nats)', series: [...mi, flat(`log K = ${logK.toFixed(3)}`, logK, xs)] },
  ], { title: opts.title ?? 'DIAYN training (mean and 95% CI over seeds)', xTitle: 'DIAYN iteration', columns: 2, panelHeight: 320, yRanges: [[0, 1.02], undefined] });
  // every line of both panels in the legend (the shared-legend default shows the first panel's only)
  for (const t of fig.data) if (t.mode !== 'lines' || t.fill === undefined) t.showlegend = true;
  return fig;
}

/** Mean return over the held-out goals per (seed, method, update). */
export function perSeedCurves(adaptation: readonly Pick<AdaptationRow, 'seed' | 'method' | 'update' | 'return'>[]) {
  return meanBy(adaptation, ['seed', 'method', 'update'], 'return');
}

/** Fast adaptation on the held-out goals: mean return after 0..U updates, band over seeds, one line per method. */
export function adaptationFigure(adaptation: readonly AdaptationRow[], opts: { title?: string; yTitle?: string } = {}): Figure {
  const summary = summarize(perSeedCurves(adaptation), ['method', 'update'], 'return');
  const series = ['hand', 'diayn', 'random'].filter((m) => summary.some((r) => r.method === m))
    .map((m) => summaryBand(summary.filter((r) => r.method === m), 'update', { name: METHOD_LABELS[m], color: METHOD_COLORS[m] }));
  const n = seedsOf(adaptation).length;
  return {
    data: panelBandFigure([{ title: '', series }], {}).data,
    layout: {
      title: { text: opts.title ?? `Fast adaptation on the held-out goals (mean over goals; 95% CI over ${n} seeds)` },
      xaxis: { title: { text: 'VPG updates on the new goal' }, dtick: 1 },
      yaxis: { title: { text: opts.yTitle ?? 'return (sum of -distance to goal over 20 steps)' } },
      hovermode: 'closest',
      height: 460,
      legend: { orientation: 'h', x: 0.5, xanchor: 'center', y: -0.3, yanchor: 'top' },
      margin: { b: 140 },
    },
  };
}

/** Both MAMLs on their own meta-training tasks: return after the inner step(s) over meta-iterations. */
export function metaTrainingFigure(rows: readonly MetaRow[]): Figure {
  const panels = ['diayn', 'hand'].map((m) => {
    const mine = rows.filter((r) => r.method === m);
    const pre = [summaryBand(summarize(mine, ['iteration'], 'preReturn'), 'iteration', { name: 'before the inner step', color: '#7f7f7f' })];
    const post = [summaryBand(summarize(mine, ['iteration'], 'postReturn'), 'iteration', { name: 'after the inner step(s)', color: METHOD_COLORS[m] })];
    return { title: METHOD_LABELS[m], series: [...pre, ...post] };
  });
  return panelBandFigure(panels, { title: 'Meta-training, each MAML on its own tasks (returns are in each task distribution\'s own reward units)', xTitle: 'meta-iteration', yTitle: 'mean return', columns: 2, panelHeight: 300 });
}

/** Table: mean return [95% CI over seeds] per update and method. */
export function adaptationTable(adaptation: readonly AdaptationRow[]): Row[] {
  const summary = summarize(perSeedCurves(adaptation), ['method', 'update'], 'return');
  const updates = [...new Set(summary.map((r) => r.update))].sort((a, b) => a - b);
  return ['hand', 'diayn', 'random'].filter((m) => summary.some((r) => r.method === m)).map((m) => {
    const row: Row = { initialisation: METHOD_LABELS[m] };
    for (const u of updates) {
      const r = summary.find((s) => s.method === m && s.update === u);
      row[`after ${u}`] = r ? formatInterval(r) : '';
    }
    return row;
  });
}

/** Per seed: mean over goals and over updates 1..U of (return of `a` - return of `b`). */
function gainBySeed(adaptation: readonly AdaptationRow[], a: string, b: string, updates?: readonly number[]): Map<number, number> {
  const curves = perSeedCurves(adaptation);
  const out = new Map<number, number>();
  for (const seed of seedsOf(adaptation)) {
    const pick = (m: string) => curves.filter((r) => r.seed === seed && r.method === m && (updates ? updates.includes(r.update) : r.update > 0));
    const ra = pick(a), rb = pick(b);
    if (ra.length === 0 || rb.length === 0) continue;
    out.set(seed, mean(ra.map((r) => r.return)) - mean(rb.map((r) => r.return)));
  }
  return out;
}

function fmt(x: number, d = 2): string {
  return Number.isFinite(x) ? x.toFixed(d) : 'n/a';
}

/**
 * The plain statement: how much of the hand-designed tasks' benefit (over random init)
 * the self-proposed tasks recover, averaged over updates 1..U, and after 1 and U updates.
 */
export function recoveryStatement(adaptation: readonly AdaptationRow[]): string {
  const U = Math.max(...adaptation.map((r) => r.update));
  const goals = new Set(adaptation.map((r) => r.goal)).size;
  const n = seedsOf(adaptation).length;
  const part = (updates: number[] | undefined) => {
    const gd = gainBySeed(adaptation, 'diayn', 'random', updates), gh = gainBySeed(adaptation, 'hand', 'random', updates);
    const d = meanCI([...gd.values()]), h = meanCI([...gh.values()]);
    return { d, h, ratio: d.mean / h.mean, vsHand: pairedComparison(gd, gh), vsRandom: pairedComparison(gd, new Map([...gd.keys()].map((s) => [s, 0]))) };
  };
  const all = part(undefined), first = part([1]), last = part([U]);
  const pct = (x: number) => (Number.isFinite(x) ? `${Math.round(100 * x)}%` : 'an undefined share');
  const ci = (i: { mean: number; lo: number; hi: number }) => `${fmt(i.mean)} [${fmt(i.lo)}, ${fmt(i.hi)}]`;
  const verdict = (v: string, other: string) => (v === 'wins' ? `above ${other}` : v === 'loses' ? `below ${other}` : `not distinguishable from ${other}`);
  const lines = [
    `Averaged over updates 1–${U} and ${goals} held-out goals (${n} seeds, 95% t-intervals), MAML on hand-designed goals gains ${ci(all.h)} return over random initialisation and MAML on DIAYN's self-proposed tasks gains ${ci(all.d)}: the self-proposed tasks recover ${pct(all.ratio)} of the hand-designed tasks' benefit.`,
    `After 1 update they recover ${pct(first.ratio)} (gains ${fmt(first.d.mean)} vs ${fmt(first.h.mean)}); after ${U} updates ${pct(last.ratio)} (gains ${fmt(last.d.mean)} vs ${fmt(last.h.mean)}).`,
    `Paired over seeds, MAML on DIAYN tasks is ${verdict(all.vsRandom.verdict, 'random initialisation')} and ${verdict(all.vsHand.verdict, 'MAML on hand-designed goals')} (difference to the latter ${ci(all.vsHand)}).`,
    `Gupta et al.'s claims, checked on these runs: unsupervised meta-RL exceeds learning from scratch: ${all.vsRandom.verdict === 'wins' ? 'reproduced' : 'not reproduced'}; it matches meta-learning on hand-specified tasks: ${all.vsHand.verdict === 'ties' ? 'not contradicted (no significant difference)' : all.vsHand.verdict === 'wins' ? 'exceeded' : 'not reproduced (significantly below)'}.`,
  ];
  return lines.join('\n');
}

/** Final discriminator accuracy and MI bound of DIAYN training, over seeds. */
export function skillsStatement(training: readonly TrainingRow[], what: string): string {
  const lastIt = Math.max(...training.map((r) => r.iteration));
  const last = training.filter((r) => r.iteration === lastIt);
  const acc = meanCI(last.map((r) => r.accuracy)), mi = meanCI(last.map((r) => r.miLowerBound));
  const K = Math.round(1 / last[0].chance);
  return `${what}: after ${lastIt + 1} DIAYN iterations the discriminator assigns ${fmt(100 * acc.mean, 1)}% [${fmt(100 * acc.lo, 1)}, ${fmt(100 * acc.hi, 1)}] of visited states to their own skill (chance ${fmt(100 / K, 1)}%), and the lower bound on I(S; Z) is ${fmt(mi.mean, 3)} [${fmt(mi.lo, 3)}, ${fmt(mi.hi, 3)}] nats of at most log K = ${fmt(Math.log(K), 3)} (n = ${acc.n} seeds).`;
}

/**
 * Where the skills end: per seed, the mean distance between the mean end points of two
 * different skills, against the mean distance of a skill's episodes from their own mean.
 */
export function endSpread(skills: readonly SkillRow[]): { seed: number; betweenSkills: number; withinSkill: number; ratio: number }[] {
  const out: { seed: number; betweenSkills: number; withinSkill: number; ratio: number }[] = [];
  for (const seed of seedsOf(skills)) {
    const mine = skills.filter((r) => r.seed === seed);
    const T = Math.max(...mine.map((r) => r.t));
    const ends = mine.filter((r) => r.t === T);
    const bySkill = [...groupRows(ends, ['skill']).values()].map((g) => ({ x: g.map((r) => r.x), y: g.map((r) => r.y) }));
    const centres = bySkill.map((g) => [mean(g.x), mean(g.y)]);
    let between = 0, pairs = 0, within = 0, count = 0;
    for (let i = 0; i < centres.length; i++) {
      for (let j = i + 1; j < centres.length; j++) {
        between += Math.hypot(centres[i][0] - centres[j][0], centres[i][1] - centres[j][1]);
        pairs++;
      }
      bySkill[i].x.forEach((x, k) => {
        within += Math.hypot(x - centres[i][0], bySkill[i].y[k] - centres[i][1]);
        count++;
      });
    }
    out.push({ seed, betweenSkills: between / pairs, withinSkill: within / count, ratio: between / pairs / (within / count) });
  }
  return out;
}

/**
 * How many different places the skills end at, per seed: skills' mean end points are
 * grouped greedily, a skill joining the first group whose first member is within `radius`.
 */
export function distinctEnds(skills: readonly SkillRow[], radius = 0.5): { seed: number; skills: number; places: number }[] {
  return seedsOf(skills).map((seed) => {
    const mine = skills.filter((r) => r.seed === seed);
    const T = Math.max(...mine.map((r) => r.t));
    const centres = [...groupRows(mine.filter((r) => r.t === T), ['skill']).values()]
      .map((g) => [mean(g.map((r) => r.x)), mean(g.map((r) => r.y))]);
    const heads: number[][] = [];
    for (const c of centres) if (!heads.some((h) => Math.hypot(h[0] - c[0], h[1] - c[1]) <= radius)) heads.push(c);
    return { seed, skills: centres.length, places: heads.length };
  });
}

/** DADS over training: the I(s'; z | s) estimate (its ceiling log K dashed), bands over seeds. */
export function dadsTrainingFigure(rows: readonly DadsRow[]): Figure {
  const mi = [summaryBand(summarize(rows, ['iteration'], 'miEstimate'), 'iteration', { name: 'I(s\';z|s) estimate (nats)', color: '#9467bd' })];
  const xs = mi[0]?.x ?? [];
  const logK = rows[0]?.logK ?? NaN;
  const flat: BandSeries = { name: `log K = ${logK.toFixed(3)}`, x: xs, mean: xs.map(() => logK), lo: xs.map(() => logK), hi: xs.map(() => logK), color: '#7f7f7f', dash: 'dash' };
  return panelBandFigure([{ title: 'E[log q(s\'|s,z) − log (1/K Σ_i q(s\'|s,z_i))] (nats)', series: [...mi, flat] }],
    { title: 'DADS on point navigation (mean and 95% CI over seeds)', xTitle: 'DADS iteration', columns: 1, panelHeight: 300 });
}

/** Final I(s'; z | s) estimate of DADS and how many places its skills end at. */
export function dadsStatement(training: readonly DadsRow[], skills: readonly SkillRow[]): string {
  const lastIt = Math.max(...training.map((r) => r.iteration));
  const mi = meanCI(training.filter((r) => r.iteration === lastIt).map((r) => r.miEstimate));
  const places = distinctEnds(skills), K = places[0]?.skills ?? NaN;
  const p = meanCI(places.map((r) => r.places));
  return `DADS: after ${lastIt + 1} iterations the estimate of I(s'; z | s) is ${fmt(mi.mean, 3)} [${fmt(mi.lo, 3)}, ${fmt(mi.hi, 3)}] nats of at most log K = ${fmt(Math.log(K), 3)}; its ${K} skills end at ${fmt(p.mean, 1)} [${fmt(p.lo, 1)}, ${fmt(p.hi, 1)}] different places (mean end points more than 0.5 apart; n = ${p.n} seeds).`;
}

/** The same count for DIAYN's skills, as a sentence. */
export function distinctEndsStatement(skills: readonly SkillRow[], what: string): string {
  const places = distinctEnds(skills), K = places[0]?.skills ?? NaN;
  const p = meanCI(places.map((r) => r.places));
  return `${what}: the ${K} skills end at ${fmt(p.mean, 1)} [${fmt(p.lo, 1)}, ${fmt(p.hi, 1)}] different places (mean end points more than 0.5 apart; n = ${p.n} seeds).`;
}

/** A sentence on `endSpread`. */
export function endSpreadStatement(skills: readonly SkillRow[], what: string): string {
  const s = endSpread(skills);
  const b = meanCI(s.map((r) => r.betweenSkills)), w = meanCI(s.map((r) => r.withinSkill));
  return `${what}: skills end on average ${fmt(b.mean)} [${fmt(b.lo)}, ${fmt(b.hi)}] apart (distance between the mean end points of two skills), while a skill's own episodes end ${fmt(w.mean)} [${fmt(w.lo)}, ${fmt(w.hi)}] from their mean (n = ${b.n} seeds).`;
}

/** The paper's settings against ours, and why. */
export function paperVsOurs(uml: UmlConfig, particle: ParticleSkillsConfig, seeds: number, dads?: DadsSkillsConfig): Row[] {
  const d = uml.diayn, m = uml.maml;
  const rows: Row[] = [
    { setting: 'skill learner (DIAYN l.8)', paper: 'SAC, entropy temperature 0.1', ours: `VPG with entropy bonus β = ${d.entropyWeight}, Adam ${d.policyAdam.lr}`, why: 'on-policy learner shared with MAML\'s inner loop; keeps this work independent of SAC' },
    { setting: 'skills K, prior p(z)', paper: 'categorical, uniform (50 on MuJoCo)', ours: `categorical, uniform, K = ${d.nSkills} (particle: ${particle.diayn.nSkills})`, why: 'a 2D plane needs few skills to cover the directions; each skill needs its own episodes per batch' },
    { setting: 'discriminator q_φ(z|s)', paper: 'MLP on the state (x-y in navigation)', ours: `2 → ${d.discriminatorHidden} ReLU → K softmax, ${d.discriminatorSteps} Adam steps per iteration`, why: 'the state is the position' },
    { setting: 'DIAYN budget', paper: 'millions of env steps (MuJoCo)', ours: `${uml.diaynIterations} iterations × ${d.nSkills * d.episodesPerSkill} episodes × ${uml.env.horizon} steps (particle: ${particle.iterations} × ${particle.diayn.nSkills * particle.diayn.episodesPerSkill} × ${particle.particle.horizon})`, why: '15-minute budget on 2 cores; accuracy and the MI bound have levelled off by then (figure above)' },
    { setting: 'unsupervised meta-RL tasks', paper: 'r_z(s) = log D(z|s) from DIAYN', ours: 'r_z(s\') = log q_φ(z|s\') from the trained discriminator', why: 'as in the paper' },
    { setting: 'meta-learner', paper: 'MAML, VPG inner step, TRPO outer step', ours: `MAML, ${m.innerSteps} VPG inner step(s) α = ${m.alpha}, ${m.order}-order meta-gradient, Adam ${m.adam.lr}`, why: 'TRPO is not in the lab; Adam on the exact meta-gradient' },
    { setting: 'meta-training budget', paper: 'hundreds of meta-iterations, 20–40 tasks each', ours: `${uml.metaIterations} meta-iterations × ${m.metaBatch} tasks × ${m.K} episodes, for both task distributions`, why: 'time budget; both MAMLs get the same budget' },
    { setting: 'evaluation tasks', paper: '2D navigation to goals (the paper\'s own goal distribution)', ours: `PEARL's semicircle goals: ${uml.env.trainGoals} hand-designed training goals, ${uml.testGoals} held-out goals, ${uml.rewardKind} reward`, why: 'the lab\'s point-navigation env' },
    { setting: 'fast adaptation', paper: 'a few VPG steps on the new task', ours: `${uml.adaptUpdates} VPG steps of α = ${m.alpha} on ${m.K} episodes each, return on ${uml.evalEpisodes} separate episodes`, why: 'the inner rule of meta-training, continued; the same for every initialisation' },
    { setting: 'seeds', paper: 'not stated here', ours: String(seeds), why: 'the issue asks for at least 5' },
  ];
  if (dads) {
    rows.push({
      setting: 'DADS (second skill method)', paper: 'continuous skills, skill dynamics q(s\'|s,z) with fixed variance, marginal from L samples of p(z), SAC',
      ours: `${dads.dads.nSkills} discrete skills, q = N(mu(s,z), ${dads.dads.dynamicsSigma}^2) over s' - s, exact marginal over all K skills, VPG, ${dads.iterations} iterations`,
      why: 'discrete skills make the marginal exact and the skills comparable with DIAYN\'s',
    });
  }
  return rows;
}
