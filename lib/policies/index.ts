/** Policies and rollouts: parameters as flat typed arrays, typed-array forward passes in the loop, tfjs where gradients are needed. */
export * as softmaxMlp from './softmax-mlp';
export * as rollout from './rollout';
export * as gru from './gru';
export * as gruBptt from './gru-bptt';
export * as mlp from './mlp';
export * as tanhGaussian from './tanh-gaussian';
export * as contextEncoder from './context-encoder';
export * as gaussianMlp from './gaussian-mlp';
export * as condition from './condition';
export * as navRollout from './nav-rollout';
export * as softmaxTable from './softmax-table';
