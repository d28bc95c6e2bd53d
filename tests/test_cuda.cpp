// The CUDA backend on a GPU (Cuda* suites, CTest label `cuda`; CGCNN, MEGNet
// and M3GNet): the whole
// model against the CPU backend (<= 1e-5 relative, the bound), batch
// invariance on the device, CUDA Graph replays, device selection. Without a
// GPU, or in a build without CUDA, they call GTEST_SKIP and CTest reports them
// as skipped (tests/CMakeLists.txt), never as passed.
//
// The DeviceOption suite (label `unit`) needs no GPU: what --device cuda says
// in each build, and the device strings of the library, C and Python options.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <cstring>

#include "test_support.hpp"
#include "xtalsieve/cif.hpp"
#include "xtalsieve/error.hpp"
#include "xtalsieve/input.hpp"
#include "xtalsieve/model.hpp"
#include "xtalsieve/predictor.hpp"
#include "xtalsieve/xtalsieve.h"
#ifdef XTALSIEVE_HAVE_CUDA
#include "cuda/device.hpp"
#endif

using namespace xtalsieve;

namespace {

// Empty when a GPU can run the Cuda* tests, else why not.
std::string why_no_gpu() {
#ifdef XTALSIEVE_HAVE_CUDA
    std::string why;
    if (gpu::device_count(&why) == 0) return "no usable CUDA device: " + why;
    return {};
#else
    return "this build has no CUDA backend (-DXTALSIEVE_CUDA=ON builds it)";
#endif
}

#define XS_NEED_GPU()                                    \
    do {                                                 \
        const std::string why = why_no_gpu();            \
        if (!why.empty()) GTEST_SKIP() << why;           \
    } while (0)

model_weights cgcnn_weights(const std::filesystem::path& path) {
    load_options lo;
    lo.atom_init = xs_test::shared_dir() / "data" / "cgcnn" / "atom_init.json";
    return load_weights(path, lo);
}

model_weights official(const char* name) {
    return cgcnn_weights(xs_test::pretrained_dir() / (std::string(name) + ".pth.tar"));
}


std::vector<double> run(model& m, const graph_batch& b) {
    std::vector<double> out(b.n_structures());
    m.predict(b, out);
    return out;
}

model_options on_cuda(int index = 0) {
    model_options o;
    o.device = device_kind::cuda;
    o.device_index = index;
    return o;
}

}  // namespace

// ---- no GPU needed --------------------------------------------------------

TEST(DeviceOption, DeviceStringsParse) {
    model_options o;
    set_device(o, "cpu");
    EXPECT_EQ(o.device, device_kind::cpu);
    set_device(o, "cuda");
    EXPECT_EQ(o.device, device_kind::cuda);
    EXPECT_EQ(o.device_index, 0);
    set_device(o, "cuda:3");
    EXPECT_EQ(o.device, device_kind::cuda);
    EXPECT_EQ(o.device_index, 3);
    set_device(o, "");
    EXPECT_EQ(o.device, device_kind::cpu);
    for (const char* bad : {"gpu", "cuda:", "cuda:x", "cuda:-1", "cuda3", "CPU "})
        EXPECT_THROW(set_device(o, bad), error) << bad;
}

#ifndef XTALSIEVE_HAVE_CUDA
TEST(DeviceOption, CudaInABuildWithoutCudaSaysSo) {
    const model_weights w = official("band-gap");
    try {
        (void)make_model(w, on_cuda());
        FAIL() << "a build without CUDA made a CUDA model";
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find("xtalsieve was not built with CUDA"), std::string::npos) << e.what();
    }
    // The C API: NULL and the same reason.
    const std::string model_path = (xs_test::pretrained_dir() / "band-gap.pth.tar").string();
    const char* models[] = {model_path.c_str()};
    const std::string atom_init = (xs_test::shared_dir() / "data" / "cgcnn" / "atom_init.json").string();
    EXPECT_EQ(xs_predictor_new_device(models, 1, atom_init.c_str(), 1, "cuda"), nullptr);
    EXPECT_NE(std::string(xs_last_error()).find("not built with CUDA"), std::string::npos) << xs_last_error();
    xs_predictor* p = xs_predictor_new_device(models, 1, atom_init.c_str(), 1, "cpu");
    ASSERT_NE(p, nullptr) << xs_last_error();
    xs_predictor_free(p);
    EXPECT_EQ(xs_predictor_new_device(models, 1, atom_init.c_str(), 1, "tpu"), nullptr);
    EXPECT_NE(std::string(xs_last_error()).find("cpu or cuda[:N]"), std::string::npos) << xs_last_error();
}
#else
// The CUDA build without a GPU still knows what it cannot do, before it looks
// for a device: the tabulated bond filter says so. Every MatGL family has a
// CUDA implementation: M3GNet's checkpoints get past the model checks to the
// device, and fail there exactly as MEGNet does (the same message), never
// with "no CUDA implementation".
TEST(DeviceOption, M3gnetReachesTheDeviceAndApproxTableOnCudaSaysItHasNoCudaImplementation) {
    const auto dir = xs_test::shared_dir() / "data" / "matgl";
    auto device_error = [](const model_weights& w) -> std::string {
        try {
            (void)make_model(w, on_cuda(999));
        } catch (const error& e) {
            return e.what();
        }
        return {};
    };
    const std::string megnet_error = device_error(load_weights(dir / "MEGNet-MP-2018.6.1-Eform"));
    ASSERT_NE(megnet_error.find("--device cuda"), std::string::npos) << megnet_error;
    for (const char* n : {"M3GNet-MP-2018.6.1-Eform", "M3GNet-MP-2021.2.8-PES"}) {
        const std::string e = device_error(load_weights(dir / n));
        ASSERT_FALSE(e.empty()) << n << " made a CUDA model on cuda:999";
        EXPECT_EQ(e.find("no CUDA implementation"), std::string::npos) << e;
        EXPECT_EQ(e, megnet_error) << n;
    }
    model_options o = on_cuda();
    o.mode = precision::table;
    try {
        (void)make_model(official("band-gap"), o);
        FAIL() << "--approx table made a CUDA model";
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find("--approx table has no CUDA implementation"), std::string::npos) << e.what();
    }
}
#endif

// ---- on the GPU -----------------------------------------------------------

TEST(CudaCgcnn, MatchesTheCpuBackend) {
    XS_NEED_GPU();
    const auto graphs = xs_test::cgcnn_sample_graphs();
    graph_batch b;
    for (const auto& g : graphs) b.append(g);
    for (const std::filesystem::path& path :
         {xs_test::pretrained_dir() / "formation-energy-per-atom.pth.tar", xs_test::pretrained_dir() / "band-gap.pth.tar",
          xs_test::pretrained_dir() / "semi-metal-classification.pth.tar",
          xs_test::data_dir() / "random-cgcnn" / "random-regression.pt"}) {
        const model_weights w = cgcnn_weights(path);
        auto cpu_model = make_model(w);
        auto gpu_model = make_model(w, on_cuda());
        const auto ref = run(*cpu_model, b);
        const auto got = run(*gpu_model, b);
        for (std::size_t s = 0; s < ref.size(); ++s)
            EXPECT_LE(std::abs(got[s] - ref[s]), 1e-5 * std::max(1.0, std::abs(ref[s])))
                << path.filename() << " structure " << s << ": GPU " << got[s] << ", CPU " << ref[s];
    }
}

TEST(CudaCgcnn, BatchInvariantAndGraphReplaysAreIdentical) {
    XS_NEED_GPU();
    const auto graphs = xs_test::cgcnn_sample_graphs();
    auto m = make_model(official("formation-energy-per-atom"), on_cuda());
    graph_batch all;
    for (const auto& g : graphs) all.append(g);
    // A large batch too, the sample structures repeated: 2,600 atoms, above
    // the CUDA Graph threshold (512), in three double-buffered chunks of at
    // most 1,024 atoms (run_chunked), so both staging slots are reused.
    graph_batch big;
    for (int r = 0; r < 40; ++r)
        for (const auto& g : graphs) big.append(g);
    ASSERT_GT(big.n_atoms(), 2048u);
    const auto together = run(*m, all);
    const auto many = run(*m, big);
    for (std::size_t s = 0; s < graphs.size(); ++s) {
        graph_batch one;
        one.append(graphs[s]);
        // A shape runs directly the first time, is captured as a CUDA graph
        // the second, replayed from the third on; the sample structures have
        // distinct atom counts only in part, so some shapes are replays of
        // earlier ones already.
        const double first = run(*m, one)[0];
        const double captured = run(*m, one)[0];
        const double replay = run(*m, one)[0];
        EXPECT_EQ(std::memcmp(&first, &captured, sizeof(double)), 0) << s;
        EXPECT_EQ(std::memcmp(&first, &replay, sizeof(double)), 0) << s;
        EXPECT_EQ(std::memcmp(&first, &together[s], sizeof(double)), 0) << s << ": alone " << first << ", batched " << together[s];
        for (int r = 0; r < 40; ++r)
            EXPECT_EQ(std::memcmp(&first, &many[r * graphs.size() + s], sizeof(double)), 0) << s << " copy " << r;
    }
}

TEST(CudaCgcnn, PredictorOnCudaMatchesCpu) {
    XS_NEED_GPU();
    auto predict_all = [](device_kind d) {
        std::vector<model_weights> ws;
        ws.push_back(official("formation-energy-per-atom"));
        predict_options o;
        o.threads = 2;
        o.model.device = d;
        predictor pred(std::move(ws), o);
        std::map<std::string, double> out;
        auto in = open_input(xs_test::shared_dir() / "data" / "cgcnn" / "sample-regression");
        pred.run(*in, [&](const prediction& p) {
            EXPECT_TRUE(p.error.empty()) << p.error;
            out[p.id] = p.values[0];
        });
        return out;
    };
    const auto cpu = predict_all(device_kind::cpu);
    const auto gpu = predict_all(device_kind::cuda);
    ASSERT_EQ(cpu.size(), gpu.size());
    for (const auto& [id, v] : cpu) EXPECT_LE(std::abs(gpu.at(id) - v), 1e-5 * std::max(1.0, std::abs(v))) << id;
}

TEST(CudaCgcnn, MissingDeviceIndexIsAnError) {
    XS_NEED_GPU();
    try {
        (void)make_model(official("band-gap"), on_cuda(999));
        FAIL() << "cuda:999 made a model";
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find("cuda:999"), std::string::npos) << e.what();
    }
}

// ---- MEGNet on the GPU ------------------------------------------------------

namespace {

const char* const megnet_models[] = {"MEGNet-MP-2018.6.1-Eform", "MEGNet-MP-2019.4.1-BandGap-mfi"};

model_weights megnet_weights(const char* name) { return load_weights(xs_test::shared_dir() / "data" / "matgl" / name); }

std::vector<double> run_all(model& m, const graph_batch& b) {
    std::vector<double> out(b.n_structures() * m.outputs().size());
    m.predict(b, out);
    return out;
}

}  // namespace

TEST(CudaMegnet, MatchesTheCpuBackend) {
    XS_NEED_GPU();
    for (const char* name : megnet_models) {
        const model_weights w = megnet_weights(name);
        auto cpu_model = make_model(w);
        auto gpu_model = make_model(w, on_cuda());
        ASSERT_EQ(gpu_model->outputs(), cpu_model->outputs());
        ASSERT_EQ(gpu_model->graph(), cpu_model->graph());
        graph_batch b;
        for (const auto& g : xs_test::matgl_sample_graphs(cpu_model->graph())) b.append(g);
        const auto ref = run_all(*cpu_model, b);
        const auto got = run_all(*gpu_model, b);
        double worst = 0;
        for (std::size_t k = 0; k < ref.size(); ++k) {
            EXPECT_LE(std::abs(got[k] - ref[k]), 1e-5 * std::max(1.0, std::abs(ref[k])))
                << name << " value " << k << ": GPU " << got[k] << ", CPU " << ref[k];
            worst = std::max(worst, std::abs(got[k] - ref[k]) / std::max(1.0, std::abs(ref[k])));
        }
        std::cout << name << ": GPU vs CPU backend, max relative difference " << worst << "\n";
    }
}

TEST(CudaMegnet, BatchInvariant) {
    XS_NEED_GPU();
    for (const char* name : megnet_models) {
        auto m = make_model(megnet_weights(name), on_cuda());
        const std::size_t no = m->outputs().size();
        const auto graphs = xs_test::matgl_sample_graphs(m->graph());
        graph_batch all;
        for (const auto& g : graphs) all.append(g);
        // A large batch too, the structures repeated, well above the chunk
        // size (32,768 edges, cuda/megnet_cuda.cpp): several double-buffered
        // chunks, both staging slots reused.
        graph_batch big;
        for (int r = 0; r < 40; ++r)
            for (const auto& g : graphs) big.append(g);
        ASSERT_GT(big.n_edges(), 3u * 32768u);
        const auto together = run_all(*m, all);
        const auto together_again = run_all(*m, all);  // captured (under 8,192 edges)
        const auto together_replay = run_all(*m, all);
        const auto many = run_all(*m, big);
        EXPECT_EQ(std::memcmp(together.data(), together_again.data(), together.size() * sizeof(double)), 0) << name;
        EXPECT_EQ(std::memcmp(together.data(), together_replay.data(), together.size() * sizeof(double)), 0) << name;
        for (std::size_t s = 0; s < graphs.size(); ++s) {
            graph_batch one;
            one.append(graphs[s]);
            // A shape runs directly the first time, is captured as a CUDA
            // graph the second, replayed from the third on (at most 8,192
            // edges, cuda/megnet_cuda.cpp).
            const auto alone = run_all(*m, one);
            const auto captured = run_all(*m, one);
            const auto replay = run_all(*m, one);
            EXPECT_EQ(std::memcmp(alone.data(), captured.data(), no * sizeof(double)), 0) << name << " " << s;
            EXPECT_EQ(std::memcmp(alone.data(), replay.data(), no * sizeof(double)), 0) << name << " " << s;
            EXPECT_EQ(std::memcmp(alone.data(), &together[s * no], no * sizeof(double)), 0)
                << name << " " << s << ": alone " << alone[0] << ", batched " << together[s * no];
            for (int r = 0; r < 40; ++r)
                EXPECT_EQ(std::memcmp(alone.data(), &many[(r * graphs.size() + s) * no], no * sizeof(double)), 0)
                    << name << " " << s << " copy " << r;
        }
    }
}

TEST(CudaMegnet, PredictorOnCudaMatchesCpu) {
    XS_NEED_GPU();
    auto predict_all = [](device_kind d) {
        std::vector<model_weights> ws;
        ws.push_back(megnet_weights(megnet_models[1]));
        predict_options o;
        o.threads = 2;
        o.model.device = d;
        predictor pred(std::move(ws), o);
        std::map<std::string, std::vector<double>> out;
        auto in = open_input(xs_test::shared_dir() / "data" / "cgcnn" / "sample-regression");
        pred.run(*in, [&](const prediction& p) {
            EXPECT_TRUE(p.error.empty()) << p.error;
            out[p.id] = p.values;
        });
        return out;
    };
    const auto cpu = predict_all(device_kind::cpu);
    const auto gpu = predict_all(device_kind::cuda);
    ASSERT_EQ(cpu.size(), gpu.size());
    for (const auto& [id, v] : cpu)
        for (std::size_t k = 0; k < v.size(); ++k)
            EXPECT_LE(std::abs(gpu.at(id)[k] - v[k]), 1e-5 * std::max(1.0, std::abs(v[k]))) << id << " output " << k;
}

// ---- M3GNet on the GPU ------------------------------------------------------

namespace {

const char* const m3gnet_models[] = {"M3GNet-MP-2018.6.1-Eform", "M3GNet-MP-2021.2.8-PES"};

model_weights m3gnet_weights(const char* name) { return load_weights(xs_test::shared_dir() / "data" / "matgl" / name); }

}  // namespace

TEST(CudaM3gnet, MatchesTheCpuBackend) {
    XS_NEED_GPU();
    for (const char* name : m3gnet_models) {
        const model_weights w = m3gnet_weights(name);
        auto cpu_model = make_model(w);
        auto gpu_model = make_model(w, on_cuda());
        ASSERT_EQ(gpu_model->outputs(), cpu_model->outputs());
        ASSERT_EQ(gpu_model->graph(), cpu_model->graph());
        graph_batch b;
        for (const auto& g : xs_test::matgl_sample_graphs(cpu_model->graph())) b.append(g);
        const auto ref = run_all(*cpu_model, b);
        const auto got = run_all(*gpu_model, b);
        double worst = 0;
        for (std::size_t k = 0; k < ref.size(); ++k) {
            EXPECT_LE(std::abs(got[k] - ref[k]), 1e-5 * std::max(1.0, std::abs(ref[k])))
                << name << " value " << k << ": GPU " << got[k] << ", CPU " << ref[k];
            worst = std::max(worst, std::abs(got[k] - ref[k]) / std::max(1.0, std::abs(ref[k])));
        }
        std::cout << name << ": GPU vs CPU backend, max relative difference " << worst << "\n";
    }
}

TEST(CudaM3gnet, BatchInvariant) {
    XS_NEED_GPU();
    for (const char* name : m3gnet_models) {
        auto m = make_model(m3gnet_weights(name), on_cuda());
        const std::size_t no = m->outputs().size();
        const auto graphs = xs_test::matgl_sample_graphs(m->graph(), 5);
        graph_batch all;
        for (const auto& g : graphs) all.append(g);
        // A large batch too, the structures repeated until it has several
        // chunks' worth of triplets (262,144 a chunk, cuda/m3gnet_cuda.cpp):
        // double-buffered chunks, both staging slots reused.
        graph_batch big;
        int copies = 0;
        while (big.trip_ij.size() <= 3u * 262144u) {
            for (const auto& g : graphs) big.append(g);
            ++copies;
        }
        const auto together = run_all(*m, all);
        const auto many = run_all(*m, big);
        for (std::size_t s = 0; s < graphs.size(); ++s) {
            graph_batch one;
            one.append(graphs[s]);
            // A shape runs directly the first time, is captured as a CUDA
            // graph the second, replayed from the third on (one chunk of at
            // most 8,192 bonds, cuda/m3gnet_cuda.cpp).
            const auto alone = run_all(*m, one);
            const auto captured = run_all(*m, one);
            const auto replay = run_all(*m, one);
            EXPECT_EQ(std::memcmp(alone.data(), captured.data(), no * sizeof(double)), 0) << name << " " << s;
            EXPECT_EQ(std::memcmp(alone.data(), replay.data(), no * sizeof(double)), 0) << name << " " << s;
            EXPECT_EQ(std::memcmp(alone.data(), &together[s * no], no * sizeof(double)), 0)
                << name << " " << s << ": alone " << alone[0] << ", batched " << together[s * no];
            for (int r = 0; r < copies; ++r)
                EXPECT_EQ(std::memcmp(alone.data(), &many[(r * graphs.size() + s) * no], no * sizeof(double)), 0)
                    << name << " " << s << " copy " << r;
        }
    }
}
