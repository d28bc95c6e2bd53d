// The batch API (xtalsieve/batch.hpp): flat arrays through the predictor's
// pipeline as already-parsed records, and a streaming top-K screen on top.
#include "xtalsieve/batch.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <queue>

#include "xtalsieve/error.hpp"
#include "xtalsieve/metrics.hpp"
#include "xtalsieve/model_store.hpp"
#include "xtalsieve/weights.hpp"

namespace xtalsieve {

void check_batch(const structure_batch& b) {
    const std::size_t n = b.size();
    if (b.offsets.empty()) throw error("batch: offsets must have n + 1 entries (got none)");
    if (b.offsets[0] != 0) throw error("batch: offsets[0] must be 0, got " + std::to_string(b.offsets[0]));
    for (std::size_t i = 0; i < n; ++i)
        if (b.offsets[i + 1] < b.offsets[i])
            throw error("batch: offsets must be non-decreasing (offsets[" + std::to_string(i + 1) + "] = " +
                        std::to_string(b.offsets[i + 1]) + " < " + std::to_string(b.offsets[i]) + ")");
    const std::size_t sites = b.offsets[n];
    if (b.lattices.size() != 9 * n)
        throw error("batch: lattices must hold 9 n = " + std::to_string(9 * n) + " values, got " +
                    std::to_string(b.lattices.size()));
    if (b.positions.size() != 3 * sites)
        throw error("batch: positions must hold 3 offsets[n] = " + std::to_string(3 * sites) + " values, got " +
                    std::to_string(b.positions.size()));
    if (b.numbers.size() != sites)
        throw error("batch: numbers must hold offsets[n] = " + std::to_string(sites) + " values, got " +
                    std::to_string(b.numbers.size()));
    if (!b.ids.empty() && b.ids.size() != n)
        throw error("batch: ids must be empty or hold n = " + std::to_string(n) + " values, got " +
                    std::to_string(b.ids.size()));
}

structure batch_structure(const structure_batch& b, std::size_t i) {
    structure s;
    s.id = b.ids.empty() ? std::to_string(i) : b.ids[i];
    for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 3; ++c) s.lattice[r][c] = b.lattices[9 * i + 3 * r + c];
    const std::size_t lo = b.offsets[i], hi = b.offsets[i + 1];
    s.numbers.assign(b.numbers.begin() + static_cast<std::ptrdiff_t>(lo),
                     b.numbers.begin() + static_cast<std::ptrdiff_t>(hi));
    s.frac.resize(hi - lo);
    for (std::size_t k = lo; k < hi; ++k) s.frac[k - lo] = {b.positions[3 * k], b.positions[3 * k + 1], b.positions[3 * k + 2]};
    if (b.cartesian && !s.frac.empty()) {
        const double v = cell_volume(s);
        if (!(std::abs(v) > 1e-12)) throw error(s.id + ": cell volume is zero; cannot convert Cartesian positions");
        const auto inv = inverse_lattice(s.lattice);
        for (auto& p : s.frac) {
            const vec3 x = p;
            for (int c = 0; c < 3; ++c) p[c] = x[0] * inv[0][c] + x[1] * inv[1][c] + x[2] * inv[2][c];
        }
    }
    return s;
}

namespace {

// Records of already-built structures, made one at a time as the pipeline asks.
class batch_reader final : public record_reader {
public:
    using maker = std::function<structure(std::size_t)>;
    batch_reader(std::size_t n, maker make) : n_(n), make_(std::move(make)) {}
    bool next(record& r) override {
        if (i_ >= n_) return false;
        r = record{};
        r.source = "batch structure " + std::to_string(i_);  // errors read "batch structure I, id ID: reason"
        r.format = "parsed";
        try {
            auto s = std::make_shared<structure>(make_(i_));
            r.id = s->id;
            r.parsed = std::move(s);
        } catch (const error& e) {
            r.id = std::to_string(i_);
            r.error = e.what();
        }
        ++i_;
        return true;
    }

private:
    std::size_t n_, i_ = 0;
    maker make_;
};

}  // namespace

struct batch_predictor::impl {
    std::unique_ptr<predictor> p;

    std::size_t run_rows(std::size_t n, const batch_reader::maker& make, std::span<double> out,
                         std::vector<batch_row_info>* info) const {
        const std::size_t cols = p->model_names().size();
        if (out.size() < n * cols)
            throw error("batch: output must hold n x columns = " + std::to_string(n * cols) + " doubles, got " +
                        std::to_string(out.size()));
        if (info) info->assign(n, {});
        std::size_t failed = 0;
        batch_reader reader(n, make);
        p->run(reader, [&](const prediction& r) {
            double* row = out.data() + r.seq * cols;
            const bool ok = r.error.empty() && r.filtered.empty() && r.values.size() == cols;
            for (std::size_t c = 0; c < cols; ++c) row[c] = ok ? r.values[c] : std::numeric_limits<double>::quiet_NaN();
            if (!ok) ++failed;
            if (info) {
                auto& d = (*info)[r.seq];
                d.id = r.id;
                d.formula = r.formula;
                d.n_atoms = r.n_atoms;
                d.error = ok ? std::string() : (r.error.empty() ? "filtered: " + r.filtered : r.error);
                d.warnings = r.warnings;
            }
        });
        return failed;
    }
};

namespace {
predict_options to_predict_options(const batch_options& o) {
    predict_options po;
    po.threads = o.threads;
    po.chunk_records = o.chunk_records;
    po.batch_atoms = o.batch_atoms;
    po.model.isa = o.isa;
    set_device(po.model, o.device);
    po.max_images_per_atom = o.max_images_per_atom;
    return po;
}
}  // namespace

batch_predictor::batch_predictor(std::vector<model_weights> weights, batch_options opt)
    : impl_(std::make_unique<impl>()) {
    impl_->p = std::make_unique<predictor>(std::move(weights), to_predict_options(opt));
}

batch_predictor::batch_predictor(const std::vector<std::string>& models, batch_options opt)
    : impl_(std::make_unique<impl>()) {
    if (models.empty()) throw error("no model given");
    std::vector<model_weights> ws;
    load_options lo;
    if (!opt.atom_init.empty()) lo.atom_init = opt.atom_init;
    for (const auto& m : models) ws.push_back(load_weights(resolve_model(m), lo));
    impl_->p = std::make_unique<predictor>(std::move(ws), to_predict_options(opt));
}

batch_predictor::~batch_predictor() = default;

const std::vector<std::string>& batch_predictor::columns() const { return impl_->p->model_names(); }
bool batch_predictor::classification(std::size_t column) const { return impl_->p->classification(column); }
predictor& batch_predictor::engine() const { return *impl_->p; }

std::size_t batch_predictor::predict(const structure_batch& b, std::span<double> out,
                                     std::vector<batch_row_info>* info) const {
    check_batch(b);
    return impl_->run_rows(b.size(), [&](std::size_t i) { return batch_structure(b, i); }, out, info);
}

std::size_t batch_predictor::predict(std::span<const structure> ss, std::span<double> out,
                                     std::vector<batch_row_info>* info) const {
    return impl_->run_rows(ss.size(), [&](std::size_t i) { return ss[i]; }, out, info);
}

void batch_predictor::run(record_reader& in, const std::function<void(const prediction&)>& sink) const {
    impl_->p->run(in, sink);
}

// ---------------------------------------------------------------------------

namespace {
// Worse first in the heap: the top of a max-heap under "better" is the worst kept.
struct better {
    bool maximize;
    bool operator()(const screen_hit& a, const screen_hit& b) const {
        if (a.score != b.score) return maximize ? a.score > b.score : a.score < b.score;
        return a.seq < b.seq;
    }
};
}  // namespace

struct stream_screen::impl {
    const batch_predictor* p = nullptr;
    stream_screen_options opt;
    std::size_t objective = 0;
    std::vector<std::size_t> where_col;
    std::vector<structure> queue;
    std::vector<double> queue_labels;  // NaN: none
    std::vector<screen_hit> heap;      // std heap under `better`: front = worst kept
    std::vector<double> pred, truth;   // labelled scored candidates
    std::vector<std::string> errs;
    screen_counts counts;
    std::size_t seq = 0;
    std::vector<double> out;
    std::vector<batch_row_info> info;

    std::size_t column(const std::string& name) const {
        const auto& cs = p->columns();
        auto it = std::find(cs.begin(), cs.end(), name);
        if (it == cs.end()) {
            std::string known;
            for (const auto& c : cs) known += (known.empty() ? "" : ", ") + c;
            throw error("screen: unknown property '" + name + "' (columns: " + known + ")");
        }
        return static_cast<std::size_t>(it - cs.begin());
    }

    bool passes(const screen_constraint& c, double v) const {
        if (c.op == "<") return v < c.a;
        if (c.op == "<=") return v <= c.a;
        if (c.op == ">") return v > c.a;
        if (c.op == ">=") return v >= c.a;
        return v >= c.a && v <= c.b;  // between
    }

    void flush() {
        if (queue.empty()) return;
        const std::size_t n = queue.size(), cols = p->n_columns();
        out.resize(n * cols);
        p->predict(std::span<const structure>(queue), out, &info);
        const better cmp{opt.maximize};
        for (std::size_t i = 0; i < n; ++i) {
            const std::size_t s = seq++;
            ++counts.inputs;
            const auto& d = info[i];
            if (!d.error.empty()) {
                ++counts.failed;
                if (errs.size() < 100) errs.push_back(d.id + ": " + d.error);
                continue;
            }
            const double* row = out.data() + i * cols;
            bool ok = true;
            for (std::size_t k = 0; k < opt.where.size() && ok; ++k) ok = passes(opt.where[k], row[where_col[k]]);
            if (!ok) {
                ++counts.filtered;
                continue;
            }
            ++counts.scored;
            const double score = row[objective];
            const double label = queue_labels[i];
            if (std::isfinite(label)) {
                pred.push_back(score);
                truth.push_back(label);
            }
            if (opt.top == 0) continue;
            screen_hit h;
            h.seq = s;
            h.score = score;
            if (heap.size() == opt.top && !cmp(h, heap.front())) continue;
            h.id = d.id;
            h.formula = d.formula;
            h.n_atoms = d.n_atoms;
            h.values.assign(row, row + cols);
            if (std::isfinite(label)) h.label = label;
            heap.push_back(std::move(h));
            std::push_heap(heap.begin(), heap.end(), cmp);
            if (heap.size() > opt.top) {
                std::pop_heap(heap.begin(), heap.end(), cmp);
                heap.pop_back();
            }
        }
        queue.clear();
        queue_labels.clear();
    }
};

stream_screen::stream_screen(const batch_predictor& p, stream_screen_options opt) : impl_(std::make_unique<impl>()) {
    impl_->p = &p;
    impl_->opt = std::move(opt);
    impl_->opt.chunk = std::max<std::size_t>(1, impl_->opt.chunk);
    impl_->objective = impl_->opt.objective.empty() ? 0 : impl_->column(impl_->opt.objective);
    for (const auto& c : impl_->opt.where) {
        if (c.op != "<" && c.op != "<=" && c.op != ">" && c.op != ">=" && c.op != "between")
            throw error("screen: constraint operator must be <, <=, >, >= or between, got '" + c.op + "'");
        impl_->where_col.push_back(impl_->column(c.property));
    }
}

stream_screen::~stream_screen() = default;

void stream_screen::push(structure s, std::optional<double> label) {
    if (s.id.empty()) s.id = std::to_string(impl_->seq + impl_->queue.size());
    impl_->queue.push_back(std::move(s));
    impl_->queue_labels.push_back(label ? *label : std::numeric_limits<double>::quiet_NaN());
    if (impl_->queue.size() >= impl_->opt.chunk) impl_->flush();
}

void stream_screen::push(const structure_batch& b, std::span<const double> labels) {
    check_batch(b);
    if (!labels.empty() && labels.size() != b.size())
        throw error("screen: labels must be empty or one per structure (" + std::to_string(b.size()) + "), got " +
                    std::to_string(labels.size()));
    for (std::size_t i = 0; i < b.size(); ++i) {
        structure s;
        try {
            s = batch_structure(b, i);
        } catch (const error&) {
            // Cartesian positions in a zero-volume cell: queue the raw values,
            // which fail in the pipeline with validate()'s reason.
            structure_batch raw = b;
            raw.cartesian = false;
            s = batch_structure(raw, i);
        }
        if (b.ids.empty()) s.id = std::to_string(impl_->seq + impl_->queue.size());
        push(std::move(s), labels.empty() || !std::isfinite(labels[i]) ? std::nullopt : std::optional<double>(labels[i]));
    }
}

void stream_screen::flush() { impl_->flush(); }

std::vector<screen_hit> stream_screen::top() {
    impl_->flush();
    auto v = impl_->heap;
    std::sort(v.begin(), v.end(), better{impl_->opt.maximize});
    return v;
}

screen_counts stream_screen::counts() {
    impl_->flush();
    return impl_->counts;
}

std::vector<std::string> stream_screen::errors() {
    impl_->flush();
    return impl_->errs;
}

stream_metrics stream_screen::metrics() {
    impl_->flush();
    stream_metrics m;
    const auto& x = impl_->pred;
    const auto& y = impl_->truth;
    m.labelled = x.size();
    const double nan = std::numeric_limits<double>::quiet_NaN();
    if (x.size() < 2) {
        m.recall_at_10 = m.recall_at_100 = m.recall_at_k = m.spearman = m.kendall = m.mae = m.rmse = m.r2 = nan;
        return m;
    }
    const bool mx = impl_->opt.maximize;
    m.recall_at_10 = recall_at_k(x, y, 10, mx);
    m.recall_at_100 = recall_at_k(x, y, 100, mx);
    m.recall_at_k = recall_at_k(x, y, std::max<std::size_t>(1, impl_->opt.top), mx);
    m.spearman = spearman(x, y);
    m.kendall = kendall_tau_b(x, y);
    m.mae = mean_absolute_error(x, y);
    m.rmse = root_mean_squared_error(x, y);
    m.r2 = r2_score(x, y);
    return m;
}

}  // namespace xtalsieve
