// The CPU backend's building blocks for the MatGL-style families (MEGNet,
// M3GNet, and the ones after them): dense layers and MLP stacks on the
// row-wise GEMM of kernels.hpp, the activations, segment reductions over a
// graph batch and the Set2Set readout. Every reduction runs in a fixed order
// per output element (edges in edge order, atoms in atom order), and every
// structure of a batch is reduced on its own, so a structure's result does not
// depend on its batch (see kernels.hpp).
//
// Shapes: matrices are row-major [rows, features]; a dense layer keeps
// PyTorch's Linear semantics y = x W^T + b with W [out, in] as stored in the
// state dict, transposed once at load time.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/cpu/kernels.hpp"
#include "xtalsieve/weights.hpp"

namespace xtalsieve::cpu {

enum class act { none, softplus2, silu, sigmoid };

struct dense {
    std::vector<float> wt;  // [in, out]
    std::vector<float> b;   // [out], empty: no bias
    int in = 0, out = 0;
};

// prefix.weight [out, in] (and prefix.bias [out] when bias is true) from w.
// Throws xtalsieve::error naming the model and key when missing or misshapen.
dense load_dense(const model_weights& w, const std::string& prefix, bool bias = true, int expect_in = -1);

// PyTorch's LSTM layer (gates stacked i, f, g, o).
struct lstm_layer {
    dense ih, hh;  // [4D, in], [4D, D], both with bias
};

// PyTorch's nn.LSTM layers 0 .. n_layers-1 under prefix (weight_ih_l<k>,
// weight_hh_l<k>, bias_ih_l<k>, bias_hh_l<k>).
std::vector<lstm_layer> load_lstm(const model_weights& w, const std::string& prefix, int n_layers);

// 2 x the multiply-adds of every ops::linear call made on this thread so far:
// the benchmarks state FLOP per atom and GFLOP/s from it (bench_matgl). The
// models never read it.
std::uint64_t& dense_flops_this_thread();

class ops {
public:
    explicit ops(std::string_view isa);
    const kernel_table& kernels() const { return k_; }

    // y[r, :] = act(x[r, :] W^T + b) for r < rows.
    void linear(const dense& L, const float* x, std::int64_t rows, std::int64_t ldx, float* y, std::int64_t ldy,
                act a) const;
    void apply(act a, float* x, std::int64_t n) const;

private:
    const kernel_table& k_;
};

// out[n, :] = mean of x[e, :] over edges e with index[e] == n (0 when none),
// summed in edge order. x [E, F], out [n_out, F].
void segment_mean_by_index(const float* x, const std::int32_t* index, std::int64_t E, int F, float* out,
                           std::int64_t n_out);
// out[n, :] = sum of x[e, :] over edges e with index[e] == n, in edge order.
void segment_sum_by_index(const float* x, const std::int32_t* index, std::int64_t E, int F, float* out,
                          std::int64_t n_out);
// out[s, :] = mean of rows offsets[s] .. offsets[s+1]-1 of x (0 for an empty range).
void range_mean(const float* x, const std::int64_t* offsets, std::int64_t S, int F, float* out);

// DGL's Set2Set over each structure's rows (offsets[s] .. offsets[s+1]-1) of
// x [rows, D]: n_iters steps of a stacked LSTM fed q* (zero at first), with
// attention readout; out[s, :] = q* = [q | r], 2D wide. Empty ranges read 0.
void set2set(const std::vector<lstm_layer>& lstm, int n_iters, const float* x, int D, const std::int64_t* offsets,
             std::int64_t S, float* out);

}  // namespace xtalsieve::cpu
