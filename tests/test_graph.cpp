#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "xtalsieve/error.hpp"
#include "xtalsieve/graph.hpp"

using namespace xtalsieve;

namespace {

structure cubic(double a, std::vector<vec3> frac, std::vector<int> z) {
    structure s;
    s.id = "test";
    s.lattice = {{{a, 0, 0}, {0, a, 0}, {0, 0, a}}};
    s.frac = std::move(frac);
    s.numbers = std::move(z);
    return s;
}

// Rock salt, conventional cell: 4 Na + 4 Cl.
structure rocksalt(double a) {
    std::vector<vec3> f;
    std::vector<int> z;
    const vec3 fcc[4] = {{0, 0, 0}, {0, .5, .5}, {.5, 0, .5}, {.5, .5, 0}};
    for (auto p : fcc) f.push_back(p), z.push_back(11);
    for (auto p : fcc) f.push_back({p[0] + .5, p[1], p[2]}), z.push_back(17);
    return cubic(a, f, z);
}

}  // namespace

TEST(Graph, RocksaltCoordination) {
    const double a = 5.64;
    crystal_graph g = build_graph(rocksalt(a));
    ASSERT_EQ(g.n_atoms, 8);
    ASSERT_EQ(g.max_neighbors, 12);
    for (int i = 0; i < 8; ++i) {
        // First shell: 6 unlike neighbours at a/2; second: 12 like at a/sqrt(2), of which 6 fit.
        for (int m = 0; m < 6; ++m) {
            EXPECT_NEAR(g.nbr_dist[i * 12 + m], a / 2, 1e-5);
            EXPECT_NE(g.numbers[g.nbr_idx[i * 12 + m]], g.numbers[i]);
        }
        for (int m = 6; m < 12; ++m) {
            EXPECT_NEAR(g.nbr_dist[i * 12 + m], a / std::sqrt(2.0), 1e-5);
            EXPECT_EQ(g.numbers[g.nbr_idx[i * 12 + m]], g.numbers[i]);
        }
    }
}

TEST(Graph, OneAtomCellUsesItsOwnImages) {
    // Simple cubic, a = 3 Å: 6 images at 3 Å, 12 at 4.24 Å.
    crystal_graph g = build_graph(cubic(3.0, {{0, 0, 0}}, {29}));
    ASSERT_EQ(g.n_atoms, 1);
    for (int m = 0; m < 12; ++m) {
        EXPECT_EQ(g.nbr_idx[m], 0);
        EXPECT_NEAR(g.nbr_dist[m], m < 6 ? 3.0 : 3.0 * std::sqrt(2.0), 1e-5);
    }
}

TEST(Graph, SmallCellNeedsManyImages) {
    // A 1.5 Å cube reaches 8 Å only through ~5 images per direction.
    crystal_graph g = build_graph(cubic(1.5, {{0.1, 0.2, 0.3}}, {6}));
    EXPECT_NEAR(g.nbr_dist[0], 1.5, 1e-5);
    EXPECT_NEAR(g.nbr_dist[11], 1.5 * std::sqrt(2.0), 1e-5);
}

TEST(Graph, PadsWhenFewerThan12Neighbours) {
    // A 7.5 Å cube holds only the 6 face images inside 8 Å.
    crystal_graph g = build_graph(cubic(7.5, {{0.5, 0.5, 0.5}}, {1}));
    for (int m = 0; m < 6; ++m) EXPECT_NEAR(g.nbr_dist[m], 7.5, 1e-5);
    for (int m = 6; m < 12; ++m) {
        EXPECT_EQ(g.nbr_idx[m], 0);
        EXPECT_FLOAT_EQ(g.nbr_dist[m], 9.0f);
    }
}

TEST(Graph, NoNeighboursAtAllIsFullyPadded) {
    crystal_graph g = build_graph(cubic(9.0, {{0, 0, 0}}, {1}));
    for (int m = 0; m < 12; ++m) EXPECT_FLOAT_EQ(g.nbr_dist[m], 9.0f);
}

TEST(Graph, DistancesSortedAndWithinCutoff) {
    structure s;
    s.id = "triclinic";
    s.lattice = {{{4.1, 0, 0}, {1.3, 3.9, 0}, {0.7, -0.9, 5.2}}};
    s.frac = {{0, 0, 0}, {0.3, 0.6, 0.2}, {-0.25, 0.9, 1.4}};
    s.numbers = {8, 26, 14};
    crystal_graph g = build_graph(s);
    for (int i = 0; i < 3; ++i)
        for (int m = 1; m < 12; ++m) {
            EXPECT_LE(g.nbr_dist[i * 12 + m - 1], g.nbr_dist[i * 12 + m]);
            EXPECT_LE(g.nbr_dist[i * 12 + m], 8.0f);
            EXPECT_GT(g.nbr_dist[i * 12 + m], 0.0f);
        }
}

TEST(Graph, BatchOffsetsAndGlobalIndices) {
    crystal_graph a = build_graph(rocksalt(5.64));
    crystal_graph b = build_graph(cubic(3.0, {{0, 0, 0}}, {29}));
    graph_batch batch;
    batch.append(a);
    batch.append(b);
    ASSERT_EQ(batch.n_structures(), 2u);
    ASSERT_EQ(batch.n_atoms(), 9u);
    EXPECT_EQ(batch.offsets[1], 8);
    for (int m = 0; m < 12; ++m) EXPECT_EQ(batch.nbr_idx[8 * 12 + m], 8);
}

TEST(Graph, LargeCellsUseTheCellListWithTheSameNeighbours) {
    // A 3x3x3 supercell (81 atoms, cell-list path) sees around each atom the
    // same distances as the primitive cell (3 atoms, per-pair path).
    structure p;
    p.id = "tri";
    p.lattice = {{{4.1, 0, 0}, {1.3, 3.9, 0}, {0.7, -0.9, 5.2}}};
    p.frac = {{0, 0, 0}, {0.3, 0.6, 0.2}, {0.75, 0.9, 0.4}};
    p.numbers = {8, 26, 14};
    structure s;
    s.id = "super";
    for (int k = 0; k < 3; ++k)
        for (int c = 0; c < 3; ++c) s.lattice[k][c] = p.lattice[k][c] * 3;
    for (int a = 0; a < 3; ++a)
        for (int b = 0; b < 3; ++b)
            for (int c = 0; c < 3; ++c)
                for (int i = 0; i < 3; ++i) {
                    s.frac.push_back({(p.frac[i][0] + a) / 3, (p.frac[i][1] + b) / 3, (p.frac[i][2] + c) / 3});
                    s.numbers.push_back(p.numbers[i]);
                }
    const crystal_graph gp = build_graph(p), gs = build_graph(s);
    for (int i = 0; i < 81; ++i)
        for (int m = 0; m < 12; ++m) {
            EXPECT_NEAR(gs.nbr_dist[i * 12 + m], gp.nbr_dist[(i % 3) * 12 + m], 1e-5) << i << " " << m;
            EXPECT_EQ(gs.numbers[gs.nbr_idx[i * 12 + m]], gp.numbers[gp.nbr_idx[(i % 3) * 12 + m]]);
        }
}

// Found by fuzz_cif: a cell 10^33 Å long sheared at 60° put image ranges out
// of int. Such cells and far-away sites are refused with a reason.
TEST(Graph, AbsurdCellsAreRefusedNotOverflowed) {
    structure s;
    s.id = "long";
    s.lattice = lattice_from_parameters(2.25, 3.2e33, 5.207, 90, 104, 60);
    s.frac = {{0.666667, 0.3333333, 0.882}};
    s.numbers = {30};
    try {
        validate(s);
        ADD_FAILURE() << "accepted";
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find("longer than 1,000,000"), std::string::npos) << e.what();
    }
    structure far;
    far.id = "far";
    far.lattice = {{{4, 0, 0}, {0, 4, 0}, {0, 0, 4}}};
    far.frac = {{0, 0, 0}, {3e9, 0.5, 0.5}};
    far.numbers = {11, 17};
    try {
        build_graph(far, {});
        ADD_FAILURE() << "accepted";
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find("far outside"), std::string::npos) << e.what();
    }
}
