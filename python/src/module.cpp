// xtalsieve._xtalsieve — the pybind11 binding of the batch API
// (xtalsieve/batch.hpp). python/xtalsieve/__init__.py turns pymatgen
// Structures, ASE Atoms and dicts into the flat arrays taken here.
//
// Arrays: numpy arrays are used in place when they are C-contiguous and of
// the right dtype (float64 for lattices/positions, int32 for numbers, uintp
// for offsets); otherwise pybind11 makes one converted copy. The GIL is
// released while the engine computes. xtalsieve::error becomes ValueError
// carrying the C++ message.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "xtalsieve/batch.hpp"
#include "xtalsieve/error.hpp"
#include "xtalsieve/input.hpp"

namespace py = pybind11;
namespace xs = xtalsieve;

namespace {

using f64 = py::array_t<double, py::array::c_style | py::array::forcecast>;
using i32 = py::array_t<int, py::array::c_style | py::array::forcecast>;
using uptr = py::array_t<std::size_t, py::array::c_style | py::array::forcecast>;

struct batch_arrays {
    f64 lattices, positions;
    i32 numbers;
    uptr offsets;
    xs::structure_batch view;
    std::vector<std::string> ids;
};

// Validates shapes (with the C++ checks) and builds the view.
void make_view(batch_arrays& a, bool cartesian, std::optional<std::vector<std::string>> ids) {
    if (a.lattices.ndim() != 3 || a.lattices.shape(1) != 3 || a.lattices.shape(2) != 3)
        throw xs::error("lattices must have shape (n, 3, 3)");
    if (a.positions.ndim() != 2 || a.positions.shape(1) != 3) throw xs::error("positions must have shape (n_sites, 3)");
    if (a.numbers.ndim() != 1) throw xs::error("numbers must have shape (n_sites,)");
    if (a.offsets.ndim() != 1) throw xs::error("offsets must have shape (n + 1,)");
    auto& v = a.view;
    v.lattices = {a.lattices.data(), static_cast<std::size_t>(a.lattices.size())};
    v.positions = {a.positions.data(), static_cast<std::size_t>(a.positions.size())};
    v.numbers = {a.numbers.data(), static_cast<std::size_t>(a.numbers.size())};
    v.offsets = {a.offsets.data(), static_cast<std::size_t>(a.offsets.size())};
    v.cartesian = cartesian;
    if (ids) {
        a.ids = std::move(*ids);
        v.ids = a.ids;
    }
    xs::check_batch(v);
}

py::dict row_info(const xs::batch_row_info& r) {
    py::dict d;
    d["id"] = r.id;
    d["formula"] = r.formula;
    d["n_atoms"] = r.n_atoms;
    d["error"] = r.error;
    d["warnings"] = r.warnings;
    return d;
}

class reader {
public:
    reader(const std::string& path, const std::string& format) {
        xs::input_options o;
        o.format = format;
        in_ = xs::open_input(path, o);
    }
    // (id, lattice (3,3), frac (n,3), numbers (n,), error); error non-empty: no structure.
    py::tuple next() {
        xs::record r;
        bool got;
        {
            py::gil_scoped_release nogil;
            got = in_->next(r);
        }
        if (!got) throw py::stop_iteration();
        if (r.non_structure) return next();
        xs::structure s;
        std::string err;
        try {
            py::gil_scoped_release nogil;
            s = xs::parse_record(r, xs::site_order::file);
        } catch (const xs::error& e) {
            err = e.what();
        }
        const auto n = static_cast<py::ssize_t>(s.size());
        py::array_t<double> lat({3, 3}), frac({n, py::ssize_t(3)});
        py::array_t<int> num(n);
        auto L = lat.mutable_unchecked<2>();
        for (int i = 0; i < 3; ++i)
            for (int k = 0; k < 3; ++k) L(i, k) = s.lattice[i][k];
        auto F = frac.mutable_unchecked<2>();
        auto Z = num.mutable_unchecked<1>();
        for (py::ssize_t i = 0; i < n; ++i) {
            for (int k = 0; k < 3; ++k) F(i, k) = s.frac[i][k];
            Z(i) = s.numbers[i];
        }
        return py::make_tuple(r.id, lat, frac, num, err);
    }

private:
    std::unique_ptr<xs::record_reader> in_;
};

}  // namespace

PYBIND11_MODULE(_xtalsieve, m) {
    m.doc() = "xtalsieve engine binding (use the xtalsieve package, not this module)";
    m.attr("__version__") = XTALSIEVE_VERSION;
    py::register_exception<xs::error>(m, "Error", PyExc_ValueError);

    py::class_<xs::batch_predictor>(m, "BatchPredictor")
        .def(py::init([](const std::vector<std::string>& models, const std::string& atom_init, int threads,
                         const std::string& isa, const std::string& device) {
                 xs::batch_options o;
                 o.atom_init = atom_init;
                 o.threads = threads;
                 o.isa = isa;
                 o.device = device;
                 py::gil_scoped_release nogil;
                 return std::make_unique<xs::batch_predictor>(models, o);
             }),
             py::arg("models"), py::arg("atom_init") = "", py::arg("threads") = 0, py::arg("isa") = "",
             py::arg("device") = "cpu")
        .def_property_readonly("columns", &xs::batch_predictor::columns)
        .def("classification", &xs::batch_predictor::classification)
        .def(
            "predict_arrays",
            [](const xs::batch_predictor& p, f64 lattices, f64 positions, i32 numbers, uptr offsets, bool cartesian,
               std::optional<std::vector<std::string>> ids, bool with_info) {
                batch_arrays a{std::move(lattices), std::move(positions), std::move(numbers), std::move(offsets), {}, {}};
                make_view(a, cartesian, std::move(ids));
                const auto n = static_cast<py::ssize_t>(a.view.size());
                const auto cols = static_cast<py::ssize_t>(p.n_columns());
                py::array_t<double> out({n, cols});
                std::vector<xs::batch_row_info> info;
                {
                    py::gil_scoped_release nogil;
                    p.predict(a.view, std::span<double>(out.mutable_data(), static_cast<std::size_t>(n * cols)),
                              &info);
                }
                py::list rows;
                if (with_info)
                    for (const auto& r : info) rows.append(row_info(r));
                else
                    for (const auto& r : info) rows.append(r.error.empty() ? py::object(py::none()) : py::str(r.id + ": " + r.error));
                return py::make_tuple(out, rows);
            },
            py::arg("lattices"), py::arg("positions"), py::arg("numbers"), py::arg("offsets"),
            py::arg("cartesian") = false, py::arg("ids") = py::none(), py::arg("with_info") = false)
        .def(
            "predict_cif",
            [](const xs::batch_predictor& p, const std::string& text, const std::string& id) {
                xs::record r;
                r.id = id;
                r.source = id;
                r.format = "cif";
                r.text = text;
                std::vector<double> v;
                {
                    py::gil_scoped_release nogil;
                    const auto& names = p.columns();
                    (void)names;
                    class one final : public xs::record_reader {
                    public:
                        explicit one(xs::record r) : r_(std::move(r)) {}
                        bool next(xs::record& out) override {
                            if (done_) return false;
                            out = std::move(r_);
                            done_ = true;
                            return true;
                        }
                        xs::record r_;
                        bool done_ = false;
                    } in(std::move(r));
                    std::string err;
                    p.run(in, [&](const xs::prediction& pr) {
                        if (pr.values.empty() && err.empty())
                            err = pr.error.empty() ? pr.id + ": not predicted" : pr.error;
                        if (v.empty()) v = pr.values;
                    });
                    if (!err.empty()) throw xs::error(err);
                }
                return v;
            },
            py::arg("text"), py::arg("id") = "cif");

    py::class_<xs::stream_screen>(m, "StreamScreen")
        .def(py::init([](const xs::batch_predictor& p, const std::string& objective, bool maximize,
                         const std::vector<std::tuple<std::string, std::string, double, double>>& where, std::size_t top,
                         std::size_t chunk) {
                 xs::stream_screen_options o;
                 o.objective = objective;
                 o.maximize = maximize;
                 for (const auto& [prop, op, a, b] : where) o.where.push_back({prop, op, a, b});
                 o.top = top;
                 o.chunk = chunk;
                 return std::make_unique<xs::stream_screen>(p, o);
             }),
             py::arg("predictor"), py::arg("objective") = "", py::arg("maximize") = false,
             py::arg("where") = std::vector<std::tuple<std::string, std::string, double, double>>{}, py::arg("top") = 100,
             py::arg("chunk") = 1024, py::keep_alive<1, 2>())
        .def(
            "push_arrays",
            [](xs::stream_screen& s, f64 lattices, f64 positions, i32 numbers, uptr offsets, bool cartesian,
               std::optional<std::vector<std::string>> ids, std::optional<f64> labels) {
                batch_arrays a{std::move(lattices), std::move(positions), std::move(numbers), std::move(offsets), {}, {}};
                make_view(a, cartesian, std::move(ids));
                std::span<const double> lab;
                if (labels) lab = {labels->data(), static_cast<std::size_t>(labels->size())};
                py::gil_scoped_release nogil;
                s.push(a.view, lab);
            },
            py::arg("lattices"), py::arg("positions"), py::arg("numbers"), py::arg("offsets"),
            py::arg("cartesian") = false, py::arg("ids") = py::none(), py::arg("labels") = py::none())
        .def("flush", [](xs::stream_screen& s) {
            py::gil_scoped_release nogil;
            s.flush();
        })
        .def("top", [](xs::stream_screen& s) {
            std::vector<xs::screen_hit> hits;
            {
                py::gil_scoped_release nogil;
                hits = s.top();
            }
            py::list out;
            for (const auto& h : hits) {
                py::dict d;
                d["seq"] = h.seq;
                d["id"] = h.id;
                d["formula"] = h.formula;
                d["n_atoms"] = h.n_atoms;
                d["values"] = h.values;
                d["score"] = h.score;
                d["label"] = h.label ? py::object(py::float_(*h.label)) : py::object(py::none());
                out.append(d);
            }
            return out;
        })
        .def("counts", [](xs::stream_screen& s) {
            const auto c = s.counts();
            py::dict d;
            d["inputs"] = c.inputs;
            d["scored"] = c.scored;
            d["filtered"] = c.filtered;
            d["failed"] = c.failed;
            return d;
        })
        .def("metrics", [](xs::stream_screen& s) {
            const auto m = s.metrics();
            py::dict d;
            d["labelled"] = m.labelled;
            d["recall_at_10"] = m.recall_at_10;
            d["recall_at_100"] = m.recall_at_100;
            d["recall_at_k"] = m.recall_at_k;
            d["spearman"] = m.spearman;
            d["kendall"] = m.kendall;
            d["mae"] = m.mae;
            d["rmse"] = m.rmse;
            d["r2"] = m.r2;
            return d;
        })
        .def("errors", &xs::stream_screen::errors);

    py::class_<reader>(m, "Reader")
        .def(py::init<const std::string&, const std::string&>(), py::arg("path"), py::arg("format") = "")
        .def("__iter__", [](reader& r) -> reader& { return r; })
        .def("__next__", &reader::next);
}
