/**
 * The WGSL source of every kernel, imported verbatim from shaders/ (the file a reader opens
 * is the shader that runs; specialisation is by `override` constants and uniforms only).
 */
import matmul from '../../shaders/matmul.wgsl?raw';
import matmul_direct from '../../shaders/matmul_direct.wgsl?raw';
import matmul_lanes from '../../shaders/matmul_lanes.wgsl?raw';
import matmul_pipelined from '../../shaders/matmul_pipelined.wgsl?raw';
import matmul_vec4 from '../../shaders/matmul_vec4.wgsl?raw';
import bias_activation from '../../shaders/bias_activation.wgsl?raw';
import softmax_cross_entropy from '../../shaders/softmax_cross_entropy.wgsl?raw';
import hidden_signal from '../../shaders/hidden_signal.wgsl?raw';
import column_sum from '../../shaders/column_sum.wgsl?raw';
import sgd from '../../shaders/sgd.wgsl?raw';
import mse_loss from '../../shaders/mse_loss.wgsl?raw';
import feedback_draw from '../../shaders/feedback_draw.wgsl?raw';
import alignment from '../../shaders/alignment.wgsl?raw';
import counter from '../../shaders/counter.wgsl?raw';
import gather from '../../shaders/gather.wgsl?raw';
import accuracy from '../../shaders/accuracy.wgsl?raw';
import finite from '../../shaders/finite.wgsl?raw';

export const SHADERS = {
  matmul, matmul_direct, matmul_lanes, matmul_pipelined, matmul_vec4, bias_activation, softmax_cross_entropy, mse_loss, hidden_signal, column_sum, sgd, feedback_draw, counter, alignment, gather, accuracy, finite,
} as const;
export type ShaderName = keyof typeof SHADERS;
