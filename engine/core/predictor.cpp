#include "xtalsieve/predictor.hpp"

#include <tbb/enumerable_thread_specific.h>
#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <span>

#include "xtalsieve/cif.hpp"
#include "xtalsieve/composition.hpp"
#include "xtalsieve/elements.hpp"
#include "xtalsieve/error.hpp"
#include "xtalsieve/graph.hpp"

namespace xtalsieve {

namespace {

struct item {
    record rec;
    std::vector<crystal_graph> graphs;  // one per distinct recipe
    prediction out;
};

using chunk = std::vector<item>;

using clock_type = std::chrono::steady_clock;

std::uint64_t ns_since(clock_type::time_point t0) {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now() - t0).count());
}

}  // namespace

struct predictor::impl {
    predict_options opt;
    std::vector<model_weights> weights;
    std::vector<std::string> names;      // output columns, model by model
    std::vector<bool> classifier;        // per output column
    std::vector<std::size_t> column_offsets{0};  // per model: first output column; last: total
    std::size_t n_columns(std::size_t k) const { return column_offsets[k + 1] - column_offsets[k]; }
    std::vector<graph_options> recipes;  // distinct graph recipes, first use first
    std::vector<std::size_t> recipe_of;  // per model: index into recipes
    bool any_file_order = false;         // some recipe wants the sites as read
    std::size_t batch_cap = 0;           // atoms per batch: opt.batch_atoms, or less if a model asks
    std::size_t triplet_cap = 0;         // triplets per batch of any one recipe: the least a model asks; 0: none
    // Models hold scratch buffers: one set per worker thread.
    tbb::enumerable_thread_specific<std::vector<std::unique_ptr<model>>> models;
    std::atomic<std::uint64_t> read_ns{0}, parse_ns{0}, graph_ns{0}, infer_ns{0}, write_ns{0};
    std::atomic<std::uint64_t> records{0}, structures{0}, atoms{0}, failed{0};

    std::vector<std::unique_ptr<model>>& local_models() {
        auto& m = models.local();
        if (m.empty())
            for (const auto& w : weights) m.push_back(make_model(w, opt.model));
        return m;
    }

    // Runs every model on the graphs of one chunk, in sub-batches of at most
    // batch_atoms atoms. Batch boundaries depend only on the chunk, never on
    // the thread count, so results are reproducible.
    void infer(chunk& c) {
        auto& ms = local_models();
        thread_local std::vector<graph_batch> batches;
        batches.resize(recipes.size());
        std::vector<item*> members;
        std::vector<double> out;
        std::size_t batch_atoms = 0;
        std::vector<std::size_t> batch_triplets(recipes.size(), 0);
        auto flush = [&] {
            if (members.empty()) return;
            try {
                for (std::size_t k = 0; k < ms.size(); ++k) {
                    const std::size_t no = n_columns(k), col = column_offsets[k];
                    out.resize(members.size() * no);
                    ms[k]->predict(batches[recipe_of[k]], std::span<double>(out));
                    for (std::size_t s = 0; s < members.size(); ++s)
                        for (std::size_t o = 0; o < no; ++o) members[s]->out.values[col + o] = out[s * no + o];
                }
            } catch (const error& e) {
                // Inputs are validated before batching, so this is rare; the
                // whole batch is reported rather than lost.
                for (item* m : members) {
                    m->out.values.clear();
                    m->out.error = m->out.id + ": inference failed: " + e.what();
                }
            }
            for (auto& b : batches) b.clear();
            members.clear();
            batch_atoms = 0;
            std::fill(batch_triplets.begin(), batch_triplets.end(), 0);
        };
        // Whether one more structure fits the batch; a structure alone always does.
        auto fits = [&](const item& it, std::size_t n) {
            if (batch_atoms + n > batch_cap) return false;
            if (triplet_cap)
                for (std::size_t r = 0; r < recipes.size(); ++r)
                    if (batch_triplets[r] + it.graphs[r].trip_ij.size() > triplet_cap) return false;
            return true;
        };
        const auto t0 = clock_type::now();
        for (item& it : c) {
            if (!it.out.error.empty() || !it.out.filtered.empty() || it.out.skipped || it.out.non_structure) continue;
            const auto n = static_cast<std::size_t>(it.out.n_atoms);
            if (!members.empty() && !fits(it, n)) flush();
            it.out.values.assign(column_offsets.back(), 0.0);
            for (std::size_t r = 0; r < recipes.size(); ++r) {
                batches[r].append(it.graphs[r]);
                batch_triplets[r] += it.graphs[r].trip_ij.size();
            }
            batch_atoms += n;
            members.push_back(&it);
        }
        flush();
        infer_ns += ns_since(t0);
    }

    // One graph per distinct recipe; warnings of the first (they describe the
    // structure, not the recipe, except the cutoff named in them).
    // s is in file order; recipes that want the reference order get a sorted copy.
    void build_graphs(const structure& s, std::vector<crystal_graph>& graphs, bool sort_sites) {
        graphs.resize(recipes.size());
        auto check = [&](std::size_t r) {
            if (!recipes[r].require_edges || graphs[r].n_edges() > 0) return;
            std::string who;
            for (std::size_t k = 0; k < recipe_of.size(); ++k)
                if (recipe_of[k] == r) who += (who.empty() ? "" : ", ") + weights[k].name;
            char cut[32];
            std::snprintf(cut, sizeof cut, "%g", recipes[r].radius);
            throw error(s.id + ": no bond within the " + cut + " A cutoff of model " + who +
                        ", which needs at least one (upstream MatGL returns NaN)");
        };
        std::unique_ptr<structure> sorted;
        for (std::size_t r = 0; r < recipes.size(); ++r) {
            if (sort_sites && recipes[r].order == site_order::reference) {
                if (!sorted) {
                    sorted = std::make_unique<structure>(s);
                    sort_by_electronegativity(*sorted);
                }
                graphs[r] = build_graph(*sorted, recipes[r]);
            } else {
                graphs[r] = build_graph(s, recipes[r]);
            }
            check(r);
        }
    }

    void prepare_item(item& it) {
        it.out.id = it.rec.id;
        it.out.source = it.rec.source;
        it.out.index = it.rec.index;
        it.out.line = it.rec.line;
        if (it.out.skipped) return;
        bool owned = false;  // predict_options::own has claimed the record by its key
        prepare_parsed(it, owned);
        // A record that failed or was filtered before its key counted belongs
        // to the part its stream position names.
        if (opt.own && !owned && !it.out.skipped && !opt.own(it.out.seq, nullptr)) disown(it);
    }

    static void disown(item& it) {
        prediction keep;
        keep.seq = it.out.seq, keep.id = std::move(it.out.id), keep.source = std::move(it.out.source);
        keep.index = it.out.index, keep.line = it.out.line, keep.skipped = true;
        it.out = std::move(keep);
        for (auto& g : it.graphs) g = crystal_graph{};
        it.rec.text.clear();
        it.rec.text.shrink_to_fit();
    }

    void prepare_parsed(item& it, bool& owned) {
        it.out.warnings = std::move(it.rec.warnings);
        it.out.descriptors = std::move(it.rec.descriptors);
        if (it.rec.non_structure) {
            it.out.non_structure = true;
            return;
        }
        if (!it.rec.error.empty()) {
            it.out.error = it.rec.error;
            return;
        }
        try {
            const auto t0 = clock_type::now();
            // One parse in the reader's order; each recipe puts the sites in
            // its reference's order (a CGCNN-only run parses sorted, as before).
            structure s = parse_record(it.rec, any_file_order ? site_order::file : site_order::reference);
            const auto t1 = clock_type::now();
            parse_ns += ns_since(t0);
            it.out.n_atoms = static_cast<int>(s.size());
            it.out.formula = reduced_formula(s.numbers);
            it.out.warnings.insert(it.out.warnings.end(), s.warnings.begin(), s.warnings.end());
            it.out.elements = s.numbers;
            std::sort(it.out.elements.begin(), it.out.elements.end());
            it.out.elements.erase(std::unique(it.out.elements.begin(), it.out.elements.end()), it.out.elements.end());
            if (!it.rec.filtered.empty()) {
                it.out.filtered = it.rec.filtered;
                return;
            }
            if (opt.prefilter) {
                it.out.filtered = opt.prefilter(s);
                if (!it.out.filtered.empty()) return;
            }
            // The key (spglib for --dedup) only matters for a record that is
            // not filtered: computed here, not before the filters.
            if (opt.key) it.out.key = opt.key(s);
            if (opt.own) {
                owned = true;
                if (!opt.own(it.out.seq, &it.out.key)) {
                    disown(it);
                    return;
                }
            }
            build_graphs(s, it.graphs, any_file_order);
            for (const crystal_graph& g : it.graphs)
                for (const std::string& w : g.warnings)
                    if (std::find(it.out.warnings.begin(), it.out.warnings.end(), w) == it.out.warnings.end())
                        it.out.warnings.push_back(w);
            check_elements(s.numbers, it.rec.id);
            graph_ns += ns_since(t1);
        } catch (const disorder_skipped&) {
            it.out.filtered = "disordered";  // --disorder skip: excluded, not failed
        } catch (const error& e) {
            it.out.error = e.what();
        } catch (const std::exception& e) {
            // Not a reported input error: a bug. The record is still accounted for.
            it.out.error = it.rec.id + ": internal error while reading: " + e.what();
        }
        it.rec.text.clear();
        it.rec.text.shrink_to_fit();
    }

    void check_elements(const std::vector<int>& numbers, const std::string& id) {
        for (int z : numbers)
            for (const auto& w : weights)
                if (z < 0 || static_cast<std::size_t>(z) >= w.atom_init_known.size() || !w.atom_init_known[z])
                    throw error(id + ": element " + std::string(element_symbol(z)) + " (Z=" + std::to_string(z) +
                                ") has no embedding in model " + w.name + " (not in its element table)");
    }
};

std::string joined_warnings(const prediction& p) {
    std::string out;
    for (const auto& w : p.warnings) out += (out.empty() ? "" : "; ") + w;
    return out;
}

predictor::predictor(std::vector<model_weights> models, predict_options opt) : impl_(std::make_unique<impl>()) {
    if (models.empty()) throw error("no model given");
    impl_->opt = opt;
    impl_->batch_cap = std::max<std::size_t>(1, opt.batch_atoms);
    impl_->weights = std::move(models);
    for (const auto& w : impl_->weights) {
        auto m = make_model(w, opt.model);  // validates shapes up front
        const auto outs = m->outputs();
        for (const auto& o : outs) {
            impl_->names.push_back(o);
            impl_->classifier.push_back(m->classification());
        }
        impl_->column_offsets.push_back(impl_->column_offsets.back() + outs.size());
        graph_options g = m->graph();
        if (opt.max_images_per_atom > 0) g.max_images_per_atom = opt.max_images_per_atom;
        auto it = std::find(impl_->recipes.begin(), impl_->recipes.end(), g);
        impl_->recipe_of.push_back(static_cast<std::size_t>(it - impl_->recipes.begin()));
        if (it == impl_->recipes.end()) impl_->recipes.push_back(g);
        if (g.order == site_order::file) impl_->any_file_order = true;
        if (m->max_batch_atoms() > 0) impl_->batch_cap = std::min(impl_->batch_cap, m->max_batch_atoms());
        if (const std::size_t t = m->max_batch_triplets(); t > 0)
            impl_->triplet_cap = impl_->triplet_cap ? std::min(impl_->triplet_cap, t) : t;
    }
}

predictor::~predictor() = default;

const std::vector<std::string>& predictor::model_names() const { return impl_->names; }
const std::vector<std::size_t>& predictor::column_offsets() const { return impl_->column_offsets; }
bool predictor::classification(std::size_t k) const { return impl_->classifier.at(k); }

void predictor::run(record_reader& in, const std::function<void(const prediction&)>& sink) {
    const int threads = impl_->opt.threads > 0 ? impl_->opt.threads : tbb::info::default_concurrency();
    const std::size_t tokens = impl_->opt.max_chunks_in_flight ? impl_->opt.max_chunks_in_flight
                                                               : static_cast<std::size_t>(2 * threads);
    const std::size_t chunk_records = std::max<std::size_t>(1, impl_->opt.chunk_records);
    std::size_t seq = 0;
    bool done = false;
    tbb::task_arena arena(threads);
    arena.execute([&] {
        tbb::parallel_pipeline(
            tokens,
            tbb::make_filter<void, std::shared_ptr<chunk>>(
                tbb::filter_mode::serial_in_order,
                [&](tbb::flow_control& fc) -> std::shared_ptr<chunk> {
                    if (done) {
                        fc.stop();
                        return nullptr;
                    }
                    const auto t0 = clock_type::now();
                    auto c = std::make_shared<chunk>();
                    c->reserve(chunk_records);
                    while (c->size() < chunk_records) {
                        item it;
                        if (!in.next(it.rec)) {
                            done = true;
                            break;
                        }
                        it.out.seq = seq++;
                        if (impl_->opt.skip && impl_->opt.skip(it.out.seq)) {
                            it.out.skipped = true;
                            it.rec.text.clear();
                        }
                        c->push_back(std::move(it));
                    }
                    impl_->read_ns += ns_since(t0);
                    if (c->empty()) {
                        fc.stop();
                        return nullptr;
                    }
                    return c;
                }) &
                tbb::make_filter<std::shared_ptr<chunk>, std::shared_ptr<chunk>>(
                    tbb::filter_mode::parallel,
                    [&](std::shared_ptr<chunk> c) {
                        for (item& it : *c) impl_->prepare_item(it);
                        impl_->infer(*c);
                        return c;
                    }) &
                tbb::make_filter<std::shared_ptr<chunk>, void>(
                    tbb::filter_mode::serial_in_order, [&](std::shared_ptr<chunk> c) {
                        const auto t0 = clock_type::now();
                        for (const item& it : *c) {
                            ++impl_->records;
                            if (it.out.skipped || !it.out.filtered.empty() || it.out.non_structure) {
                            } else if (it.out.error.empty()) {
                                ++impl_->structures;
                                impl_->atoms += static_cast<std::uint64_t>(it.out.n_atoms);
                            } else {
                                ++impl_->failed;
                            }
                            sink(it.out);
                        }
                        impl_->write_ns += ns_since(t0);
                    }));
    });
}

predict_stats predictor::stats() const {
    predict_stats s;
    s.read_ns = impl_->read_ns;
    s.parse_ns = impl_->parse_ns;
    s.graph_ns = impl_->graph_ns;
    s.infer_ns = impl_->infer_ns;
    s.write_ns = impl_->write_ns;
    s.records = impl_->records;
    s.structures = impl_->structures;
    s.atoms = impl_->atoms;
    s.failed = impl_->failed;
    return s;
}

void predictor::reset_stats() {
    for (auto* a : {&impl_->read_ns, &impl_->parse_ns, &impl_->graph_ns, &impl_->infer_ns, &impl_->write_ns,
                    &impl_->records, &impl_->structures, &impl_->atoms, &impl_->failed})
        *a = 0;
}

std::vector<double> predictor::predict(const structure& s) {
    thread_local std::vector<crystal_graph> graphs;
    impl_->build_graphs(s, graphs, false);
    impl_->check_elements(s.numbers, s.id);
    thread_local std::vector<graph_batch> batches;  // reused across calls: no allocation once warm
    batches.resize(impl_->recipes.size());
    for (std::size_t r = 0; r < batches.size(); ++r) {
        batches[r].clear();
        batches[r].append(graphs[r]);
    }
    auto& ms = impl_->local_models();
    std::vector<double> out(impl_->column_offsets.back());
    for (std::size_t k = 0; k < ms.size(); ++k)
        ms[k]->predict(batches[impl_->recipe_of[k]],
                       std::span<double>(out.data() + impl_->column_offsets[k], impl_->n_columns(k)));
    return out;
}

}  // namespace xtalsieve
