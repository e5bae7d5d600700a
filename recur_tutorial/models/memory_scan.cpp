// The loop of recur_tutorial.models.memory_rnn.MemoryScan, forward and backward, in C++ (loaded by
// recur_tutorial/models/memory_kernels.py). The equations are the ones in MemoryScan's docstring; the
// controller's products are ATen calls, the memory's soft shift (mix) and its gradient are plain loops
// over the cells, so that a step costs a few calls instead of some fifty.
//
// schedule: one row per step t, (o_0, ..., o_{A-1}, size, reach): the offsets of mix, the number of
// cells after the step, and the circular padding (0 for the stack).
#include <torch/extension.h>

#include <algorithm>
#include <tuple>
#include <vector>

namespace {

// w[begin:end] of the written memory w = [v; m[1:]] (one batch row) copied to dest.
template <typename T>
T* copy_written(const T* m, const T* v, int64_t begin, int64_t end, int64_t width, T* dest) {
  if (begin == end) return dest;
  if (begin == 0) {
    dest = std::copy(v, v + width, dest);
    begin = 1;
  }
  return std::copy(m + begin * width, m + end * width, dest);
}

// The padded written memory P (B × L × C) from the memory m (B × cells × C) and the written value v:
// tape (reach r ≥ 1, r ≤ cells), L = cells + 2r, P = [w[cells − r:]; w; w[:r]] with w = [v; m[1:]];
// stack (reach 0), L = cells + 3, P = [v; m; 0; 0].
template <typename T>
void lay_out(const T* m, const T* v, T* p, int64_t batch, int64_t cells, int64_t width, int64_t reach,
             int64_t length) {
  for (int64_t b = 0; b < batch; ++b) {
    const T* mb = m + b * cells * width;
    const T* vb = v + b * width;
    T* pb = p + b * length * width;
    if (reach) {
      pb = copy_written(mb, vb, cells - reach, cells, width, pb);
      pb = copy_written(mb, vb, 0, cells, width, pb);
      copy_written(mb, vb, 0, reach, width, pb);
    } else {
      std::copy(vb, vb + width, pb);
      std::copy(mb, mb + cells * width, pb + width);
      std::fill(pb + (cells + 1) * width, pb + length * width, T(0));
    }
  }
}

// out[b, i] = Σ_a π[b, a] · P[b, i + o_a], i < size.
template <typename T>
void mix(const T* p, const T* pi, const int64_t* offsets, int64_t actions, T* out, int64_t batch, int64_t length,
         int64_t size, int64_t width) {
  const int64_t n = size * width;
  for (int64_t b = 0; b < batch; ++b) {
    T* ob = out + b * n;
    const T* pb = p + b * length * width;
    const T* pib = pi + b * actions;
    {
      const T w = pib[0];
      const T* source = pb + offsets[0] * width;
#pragma omp simd
      for (int64_t j = 0; j < n; ++j) ob[j] = w * source[j];
    }
    for (int64_t a = 1; a < actions; ++a) {
      const T w = pib[a];
      const T* source = pb + offsets[a] * width;
#pragma omp simd
      for (int64_t j = 0; j < n; ++j) ob[j] += w * source[j];
    }
  }
}

// Given g = ∂out: ∂P[i + o_a] += π_a g[i] (into gp, zeroed by the caller) and ∂π_a = ⟨P[i + o_a], g⟩.
template <typename T>
void mix_gradient(const T* g, const T* p, const T* pi, const int64_t* offsets, int64_t actions, T* gp, T* gpi,
                  int64_t batch, int64_t length, int64_t size, int64_t width) {
  const int64_t n = size * width;
  for (int64_t b = 0; b < batch; ++b) {
    const T* gb = g + b * n;
    const T* pb = p + b * length * width;
    T* gpb = gp + b * length * width;
    for (int64_t a = 0; a < actions; ++a) {
      const T w = pi[b * actions + a];
      const int64_t o = offsets[a] * width;
      T dot = 0;
#pragma omp simd reduction(+ : dot)
      for (int64_t j = 0; j < n; ++j) {
        gpb[o + j] += w * gb[j];
        dot += gb[j] * pb[o + j];
      }
      gpi[b * actions + a] = dot;
    }
  }
}

// Fold ∂P back onto the old memory (B × cells × C) and the written value (B × C): the inverse of lay_out.
template <typename T>
void fold(const T* gp, T* gm, T* gv, int64_t batch, int64_t cells, int64_t width, int64_t reach, int64_t length) {
  for (int64_t b = 0; b < batch; ++b) {
    const T* gpb = gp + b * length * width;
    T* gmb = gm + b * cells * width;
    T* gvb = gv + b * width;
    if (!reach) {
      std::copy(gpb, gpb + width, gvb);
      std::copy(gpb + width, gpb + (cells + 1) * width, gmb);
      continue;
    }
    for (int64_t k = 0; k < cells; ++k) {
      T* target = k == 0 ? gvb : gmb + k * width;
      const T* middle = gpb + (reach + k) * width;
      for (int64_t c = 0; c < width; ++c) target[c] = middle[c];
      if (k >= cells - reach) {
        const T* wrapped = gpb + (k - (cells - reach)) * width;
        for (int64_t c = 0; c < width; ++c) target[c] += wrapped[c];
      }
      if (k < reach) {
        const T* wrapped = gpb + (reach + cells + k) * width;
        for (int64_t c = 0; c < width; ++c) target[c] += wrapped[c];
      }
    }
    std::fill(gmb, gmb + width, T(0));  // the head cell was overwritten by v
  }
}

int64_t padded_length(int64_t cells, int64_t reach) { return reach ? cells + 2 * reach : cells + 3; }

void check_inputs(const at::Tensor& inputs, const at::Tensor& schedule, int64_t actions) {
  TORCH_CHECK(inputs.device().is_cpu(), "memory_scan: the compiled loop runs on the CPU only");
  TORCH_CHECK(inputs.dim() == 3, "memory_scan: inputs must be batch × steps × hidden");
  TORCH_CHECK(schedule.scalar_type() == at::kLong && schedule.dim() == 2 && schedule.size(0) == inputs.size(1) &&
                  schedule.size(1) == actions + 2,
              "memory_scan: the schedule must be an int64 tensor of steps × (actions + 2)");
}

}  // namespace

// Returns H (B × T × H) and what the backward loop needs: the heads read r_{t−1} (B × T × C), π_t (B × T × A),
// v_t (B × T × C) and the padded memories P_t (none unless keep: without a gradient to take, they would only
// hold memory).
std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor, std::vector<at::Tensor>> memory_scan_forward(
    at::Tensor inputs, at::Tensor hidden_weight, at::Tensor read_weight, at::Tensor out_weight, at::Tensor out_bias,
    at::Tensor schedule, int64_t actions, bool squash, int64_t cells, bool keep) {
  check_inputs(inputs, schedule, actions);
  schedule = schedule.contiguous();
  const int64_t batch = inputs.size(0), steps = inputs.size(1), hidden = hidden_weight.size(0);
  const int64_t width = read_weight.size(0);
  const auto like = inputs.options();
  at::Tensor h = at::zeros({batch, hidden}, like);
  at::Tensor memory = at::zeros({batch, cells, width}, like);
  at::Tensor head = at::zeros({batch, width}, like);
  at::Tensor states = at::empty({batch, steps, hidden}, like), heads = at::empty({batch, steps, width}, like);
  at::Tensor pis = at::empty({batch, steps, actions}, like), values = at::empty({batch, steps, width}, like);
  std::vector<at::Tensor> padded;
  padded.reserve(keep ? steps : 0);
  const int64_t* rows = schedule.data_ptr<int64_t>();
  for (int64_t t = 0; t < steps; ++t) {
    const int64_t* row = rows + t * (actions + 2);
    const int64_t size = row[actions], reach = row[actions + 1], old = memory.size(1);
    heads.select(1, t).copy_(head);
    h = at::tanh(at::addmm(inputs.select(1, t), h, hidden_weight).addmm_(head, read_weight));
    states.select(1, t).copy_(h);
    at::Tensor out = at::addmm(out_bias, h, out_weight);
    at::Tensor pi = at::softmax(out.narrow(1, 0, actions), -1).contiguous();
    at::Tensor value = squash ? at::tanh(out.narrow(1, actions, width)) : out.narrow(1, actions, width).contiguous();
    pis.select(1, t).copy_(pi);
    values.select(1, t).copy_(value);
    const int64_t length = padded_length(old, reach);
    at::Tensor p = at::empty({batch, length, width}, like);
    at::Tensor next = at::empty({batch, size, width}, like);
    AT_DISPATCH_FLOATING_TYPES(inputs.scalar_type(), "memory_scan_forward", [&] {
      lay_out(memory.data_ptr<scalar_t>(), value.data_ptr<scalar_t>(), p.data_ptr<scalar_t>(), batch, old, width,
              reach, length);
      mix(p.data_ptr<scalar_t>(), pi.data_ptr<scalar_t>(), row, actions, next.data_ptr<scalar_t>(), batch, length,
          size, width);
    });
    if (keep) padded.push_back(p);
    memory = next;
    head = next.select(1, 0);
  }
  return {states, heads, pis, values, padded};
}

// The gradients of (inputs, U, R, W_o, b_o) given ∂H: the reverse loop of MemoryScan's docstring.
std::vector<at::Tensor> memory_scan_backward(at::Tensor grad_states, at::Tensor hidden_weight, at::Tensor read_weight,
                                             at::Tensor out_weight, at::Tensor states, at::Tensor heads,
                                             at::Tensor pis, at::Tensor values, std::vector<at::Tensor> padded,
                                             at::Tensor schedule, bool squash, int64_t cells) {
  const int64_t batch = states.size(0), steps = states.size(1), hidden = states.size(2);
  const int64_t actions = pis.size(2), width = values.size(2);
  schedule = schedule.contiguous();
  const int64_t* rows = schedule.data_ptr<int64_t>();
  const auto like = states.options();
  at::Tensor grad_h = at::zeros({batch, hidden}, like), grad_head = at::zeros({batch, width}, like);
  at::Tensor grad_memory;
  at::Tensor grad_z = at::empty({batch, steps, hidden}, like), grad_out = at::empty({batch, steps, actions + width}, like);
  const at::Tensor out_weight_t = out_weight.t(), hidden_weight_t = hidden_weight.t(), read_weight_t = read_weight.t();
  for (int64_t t = steps - 1; t >= 0; --t) {
    const int64_t* row = rows + t * (actions + 2);
    const int64_t size = row[actions], reach = row[actions + 1];
    const int64_t old = t > 0 ? rows[(t - 1) * (actions + 2) + actions] : cells;
    at::Tensor grad = grad_memory.defined() ? grad_memory : at::zeros({batch, size, width}, like);
    grad.select(1, 0).add_(grad_head);
    const at::Tensor& p = padded[t];
    const int64_t length = p.size(1);
    at::Tensor grad_padded = at::zeros({batch, length, width}, like);
    at::Tensor grad_pi = at::empty({batch, actions}, like);
    at::Tensor grad_value = at::empty({batch, width}, like);
    at::Tensor pi = pis.select(1, t).contiguous();
    grad_memory = at::empty({batch, old, width}, like);
    AT_DISPATCH_FLOATING_TYPES(like.dtype().toScalarType(), "memory_scan_backward", [&] {
      mix_gradient(grad.data_ptr<scalar_t>(), p.data_ptr<scalar_t>(), pi.data_ptr<scalar_t>(), row, actions,
                   grad_padded.data_ptr<scalar_t>(), grad_pi.data_ptr<scalar_t>(), batch, length, size, width);
      fold(grad_padded.data_ptr<scalar_t>(), grad_memory.data_ptr<scalar_t>(), grad_value.data_ptr<scalar_t>(),
           batch, old, width, reach, length);
    });
    at::Tensor grad_a = pi * (grad_pi - (pi * grad_pi).sum(1, true));
    if (squash) {
      const at::Tensor v = values.select(1, t);
      grad_value = grad_value * (1 - v * v);
    }
    at::Tensor go = at::cat({grad_a, grad_value}, 1);
    grad_out.select(1, t).copy_(go);
    const at::Tensor h = states.select(1, t);
    at::Tensor gz = at::addmm(grad_states.select(1, t) + grad_h, go, out_weight_t).mul_(1 - h * h);
    grad_z.select(1, t).copy_(gz);
    grad_h = gz.mm(hidden_weight_t);
    grad_head = gz.mm(read_weight_t);
  }
  at::Tensor flat_z = grad_z.flatten(0, 1), flat_out = grad_out.flatten(0, 1);
  at::Tensor previous = at::cat({at::zeros({batch, 1, hidden}, like), states.narrow(1, 0, steps - 1)}, 1).flatten(0, 1);
  return {grad_z, previous.t().mm(flat_z), heads.flatten(0, 1).t().mm(flat_z), states.flatten(0, 1).t().mm(flat_out),
          flat_out.sum(0)};
}

PYBIND11_MODULE(TORCH_EXTENSION_NAME, module) {
  module.def("forward", &memory_scan_forward, "MemoryScan's forward loop");
  module.def("backward", &memory_scan_backward, "MemoryScan's backward loop");
}
