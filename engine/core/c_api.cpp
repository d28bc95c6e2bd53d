#include "xtalsieve/xtalsieve.h"

#include <string>
#include <vector>

#include "xtalsieve/batch.hpp"
#include "xtalsieve/cif.hpp"
#include "xtalsieve/error.hpp"
#include "xtalsieve/model_store.hpp"
#include "xtalsieve/predictor.hpp"

#ifndef XTALSIEVE_VERSION
#define XTALSIEVE_VERSION "0.0.0"
#endif

struct xs_predictor {
    std::unique_ptr<xtalsieve::batch_predictor> batch;
    xtalsieve::predictor* impl = nullptr;  // batch->engine()
    std::size_t n_models = 0;
};

namespace {

thread_local std::string last_error;

template <class F>
int guarded(F&& f) {
    try {
        f();
        return 0;
    } catch (const std::exception& e) {
        last_error = e.what();
    } catch (...) {
        last_error = "unknown error";
    }
    return -1;
}

}  // namespace

extern "C" {

const char* xs_version(void) { return XTALSIEVE_VERSION; }
int xs_abi_version(void) { return XS_ABI_VERSION; }

xs_predictor* xs_predictor_new_device(const char* const* models, size_t n_models, const char* atom_init,
                                      int threads, const char* device) {
    xs_predictor* out = nullptr;
    guarded([&] {
        if (!models && n_models) throw xtalsieve::error("null argument: models");
        std::vector<std::string> names;
        for (size_t k = 0; k < n_models; ++k) {
            if (!models[k]) throw xtalsieve::error("null argument: models[" + std::to_string(k) + "]");
            names.emplace_back(models[k]);
        }
        xtalsieve::batch_options bo;
        bo.threads = threads;
        if (atom_init) bo.atom_init = atom_init;
        if (device) bo.device = device;
        auto p = std::make_unique<xs_predictor>();
        p->batch = std::make_unique<xtalsieve::batch_predictor>(names, bo);
        p->impl = &p->batch->engine();
        p->n_models = n_models;
        out = p.release();
    });
    return out;
}

xs_predictor* xs_predictor_new_threads(const char* const* models, size_t n_models, const char* atom_init,
                                       int threads) {
    return xs_predictor_new_device(models, n_models, atom_init, threads, nullptr);
}

xs_predictor* xs_predictor_new(const char* const* models, size_t n_models, const char* atom_init) {
    return xs_predictor_new_threads(models, n_models, atom_init, 0);
}

size_t xs_predictor_n_outputs(const xs_predictor* p) { return p ? p->batch->n_columns() : 0; }

const char* xs_predictor_output_name(const xs_predictor* p, size_t k) {
    if (!p || k >= p->batch->n_columns()) return nullptr;
    return p->batch->columns()[k].c_str();
}

int xs_predict_batch_ex(xs_predictor* p, size_t n, const size_t* offsets, const double* lattices,
                        const double* coords, const int* numbers, unsigned flags, double* out,
                        size_t* n_failed) {
    if (n_failed) *n_failed = 0;
    if (!p || !offsets || !out || (n && (!lattices || (offsets[n] && (!coords || !numbers))))) {
        last_error = "xs_predict_batch: null argument";
        return XS_INVALID_ARGUMENT;
    }
    xtalsieve::structure_batch b;
    b.offsets = std::span<const size_t>(offsets, n + 1);
    b.lattices = std::span<const double>(lattices, 9 * n);
    b.positions = std::span<const double>(coords, 3 * offsets[n]);
    b.numbers = std::span<const int>(numbers, offsets[n]);
    b.cartesian = (flags & XS_CARTESIAN) != 0;
    try {
        xtalsieve::check_batch(b);
    } catch (const std::exception& e) {
        last_error = e.what();
        return XS_INVALID_ARGUMENT;
    }
    std::size_t failed = 0;
    std::vector<xtalsieve::batch_row_info> info;
    const int rc = guarded([&] {
        failed = p->batch->predict(b, std::span<double>(out, n * p->batch->n_columns()), &info);
    });
    if (rc != 0) return XS_ERROR;
    if (n_failed) *n_failed = failed;
    if (failed) {
        for (std::size_t i = 0; i < info.size(); ++i)
            if (!info[i].error.empty()) {
                last_error = info[i].error;  // "batch structure I, id ID: reason"
                break;
            }
        return XS_PARTIAL;
    }
    return XS_OK;
}

int xs_predict_batch(xs_predictor* p, size_t n, const size_t* offsets, const double* lattices,
                     const double* coords, const int* numbers, double* out) {
    return xs_predict_batch_ex(p, n, offsets, lattices, coords, numbers, 0u, out, nullptr);
}

void xs_predictor_free(xs_predictor* p) { delete p; }

size_t xs_predictor_n_models(const xs_predictor* p) { return p ? p->n_models : 0; }

int xs_predict_cif(xs_predictor* p, const char* cif_text, size_t len, double* out) {
    return guarded([&] {
        if (!p || !cif_text || !out) throw xtalsieve::error("null argument");
        xtalsieve::structure s = xtalsieve::read_cif(std::string_view(cif_text, len), "cif");
        xtalsieve::sort_by_electronegativity(s);
        xtalsieve::validate(s);
        const auto v = p->impl->predict(s);
        for (size_t k = 0; k < v.size(); ++k) out[k] = v[k];
    });
}

int xs_predict_arrays(xs_predictor* p, const double* lattice, const double* frac, const int* numbers,
                      size_t n_atoms, double* out) {
    return guarded([&] {
        if (!p || !lattice || !frac || !numbers || !out) throw xtalsieve::error("null argument");
        xtalsieve::structure s;
        s.id = "arrays";
        for (int i = 0; i < 3; ++i)
            for (int k = 0; k < 3; ++k) s.lattice[i][k] = lattice[3 * i + k];
        s.frac.resize(n_atoms);
        s.numbers.assign(numbers, numbers + n_atoms);
        for (size_t i = 0; i < n_atoms; ++i) s.frac[i] = {frac[3 * i], frac[3 * i + 1], frac[3 * i + 2]};
        xtalsieve::sort_by_electronegativity(s);
        xtalsieve::validate(s);
        const auto v = p->impl->predict(s);
        for (size_t k = 0; k < v.size(); ++k) out[k] = v[k];
    });
}

const char* xs_last_error(void) { return last_error.c_str(); }

}  // extern "C"
