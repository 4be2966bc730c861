/** Policies and rollouts: parameters as flat typed arrays, typed-array forward passes in the loop, tfjs where gradients are needed. */
export * as softmaxMlp from './softmax-mlp';
export * as rollout from './rollout';
export * as gaussianMlp from './gaussian-mlp';
export * as condition from './condition';
export * as navRollout from './nav-rollout';
