/**
 * How well a score tells two classes apart: accuracy at a threshold (plain and balanced)
 * and the ROC curve with its AUC. Used to score the Siamese task metric f_phi (paper 001)
 * and the epsilon rule it learns from, on pairs labelled "same latent group" or not.
 */
/** Confusion counts and accuracies of the rule "score >= threshold means same class". */
export interface ThresholdAccuracy {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  /** (tp + tn) / n. */
  accuracy: number;
  /** (tp / (tp + fn) + tn / (tn + fp)) / 2; the available rate alone if one class is absent. */
  balancedAccuracy: number;
}

function checkScored(scores: ArrayLike<number>, labels: ArrayLike<number>, where: string): void {
  if (scores.length !== labels.length || scores.length === 0) {
    throw new RangeError(`${where}: need as many labels as scores (and at least one), got ${labels.length} and ${scores.length}`);
  }
  for (let k = 0; k < scores.length; k++) {
    if (Number.isNaN(scores[k])) throw new RangeError(`${where}: score ${k} is NaN`);
  }
}

/** Accuracy of the rule score >= threshold on labelled pairs. @param scores [P] @param labels [P] 0/1 */
export function accuracyAt(scores: ArrayLike<number>, labels: ArrayLike<number>, threshold: number): ThresholdAccuracy {
  checkScored(scores, labels, 'accuracyAt');
  let tp = 0, fp = 0, tn = 0, fn = 0;
  for (let k = 0; k < scores.length; k++) {
    const predicted = scores[k] >= threshold, actual = labels[k] !== 0;
    if (predicted && actual) tp++;
    else if (predicted) fp++;
    else if (actual) fn++;
    else tn++;
  }
  const rates: number[] = [];
  if (tp + fn > 0) rates.push(tp / (tp + fn));
  if (tn + fp > 0) rates.push(tn / (tn + fp));
  return { tp, fp, tn, fn, accuracy: (tp + tn) / scores.length, balancedAccuracy: rates.reduce((a, b) => a + b, 0) / rates.length };
}

/** Points of a ROC curve, from (0, 0) to (1, 1), and the area under it. */
export interface RocCurve {
  /** False-positive rate at each threshold. */
  fpr: number[];
  /** True-positive rate at each threshold. */
  tpr: number[];
  /** The thresholds: score >= threshold counts as positive; the first is +Infinity. */
  thresholds: number[];
  /** Area under the curve (trapezoids; = P(score_pos > score_neg) + 1/2 P(tie)). */
  auc: number;
}

/** The ROC curve of scores against 0/1 labels, one point per distinct score. Needs both classes. */
export function rocCurve(scores: ArrayLike<number>, labels: ArrayLike<number>): RocCurve {
  checkScored(scores, labels, 'rocCurve');
  let pos = 0;
  for (let k = 0; k < labels.length; k++) pos += labels[k] !== 0 ? 1 : 0;
  const neg = labels.length - pos;
  if (pos === 0 || neg === 0) throw new RangeError(`rocCurve: needs both positive and negative labels, got ${pos} positive and ${neg} negative`);
  const order = [...Array(scores.length).keys()].sort((a, b) => scores[b] - scores[a]);
  const fpr = [0], tpr = [0], thresholds = [Infinity];
  let tp = 0, fp = 0, auc = 0;
  for (let k = 0; k < order.length;) {
    const s = scores[order[k]];
    // All pairs tied at score s cross the threshold together.
    for (; k < order.length && scores[order[k]] === s; k++) {
      if (labels[order[k]] !== 0) tp++;
      else fp++;
    }
    const x = fp / neg, yv = tp / pos;
    auc += (x - fpr[fpr.length - 1]) * (yv + tpr[tpr.length - 1]) / 2;
    fpr.push(x);
    tpr.push(yv);
    thresholds.push(s);
  }
  return { fpr, tpr, thresholds, auc };
}
