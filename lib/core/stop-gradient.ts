/**
 * stop_gradient for tfjs, which has none: `stopGradient(x)` has the value of x and no
 * path back to whatever x was computed from, so `tf.grads` neither differentiates
 * through it nor spends work on the branch that produced it.
 *
 * How: `tf.customGrad` runs its forward function with the tape off and records one node
 * whose inputs are the tensors passed to it. Here that input is a constant scalar, and x
 * enters only through the closure, so the recorded node hangs off the constant and the
 * backward pass filters it out (tfjs keeps only nodes reachable from the `xs` of
 * `tf.grads`). The value is `tf.clone(x)`, an Identity that shares x's data.
 *
 * Tensors that exist before `tf.grads` is called (weights cloned outside the loss
 * function, uploaded targets) are constants already and need no `stopGradient`.
 */
import type * as TF from '@tensorflow/tfjs';
import { tf } from './tf';

let anchor: TF.Scalar | null = null;

/** x's value, cut from the gradient tape. */
export function stopGradient<T extends TF.Tensor>(x: T): T {
  if (anchor === null || anchor.isDisposed) anchor = tf.keep(tf.scalar(0));
  const a = anchor;
  const f = tf.customGrad((() => ({ value: tf.clone(x), gradFunc: () => tf.zerosLike(a) })) as unknown as Parameters<typeof tf.customGrad<T>>[0]);
  return f(a) as T;
}
