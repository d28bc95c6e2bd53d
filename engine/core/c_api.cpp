#include "xtalsieve/xtalsieve.h"

#include <string>
#include <vector>

#include "xtalsieve/cif.hpp"
#include "xtalsieve/error.hpp"
#include "xtalsieve/model_store.hpp"
#include "xtalsieve/predictor.hpp"

struct xs_predictor {
    std::unique_ptr<xtalsieve::predictor> impl;
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

xs_predictor* xs_predictor_new(const char* const* models, size_t n_models, const char* atom_init) {
    xs_predictor* out = nullptr;
    guarded([&] {
        std::vector<xtalsieve::model_weights> ws;
        xtalsieve::load_options lo;
        if (atom_init) lo.atom_init = atom_init;
        for (size_t k = 0; k < n_models; ++k)
            ws.push_back(xtalsieve::load_weights(xtalsieve::resolve_model(models[k]), lo));
        xtalsieve::predict_options po;
        po.threads = 1;
        auto p = std::make_unique<xs_predictor>();
        p->impl = std::make_unique<xtalsieve::predictor>(std::move(ws), po);
        p->n_models = n_models;
        out = p.release();
    });
    return out;
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
