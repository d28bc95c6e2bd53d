// Reduced formulas against pymatgen 2022.11 (tools/make_formula_golden.py).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "test_support.hpp"
#include "xtalsieve/composition.hpp"

TEST(Composition, ReducedFormulaMatchesPymatgen) {
    std::ifstream in(xs_test::data_dir() / "formulas.csv");
    std::string line;
    std::getline(in, line);
    int n = 0;
    while (std::getline(in, line)) {
        const auto comma = line.find(',');
        std::vector<int> numbers;
        std::istringstream parts(line.substr(0, comma));
        for (std::string p; std::getline(parts, p, ';');) {
            const int z = std::stoi(p.substr(0, p.find(':'))), count = std::stoi(p.substr(p.find(':') + 1));
            // Elements first appear in the golden's order (pymatgen's dict
            // order); later sites of an element may come anywhere.
            const std::size_t first = numbers.size();
            numbers.push_back(z);
            for (int k = 1; k < count; ++k)
                numbers.insert(numbers.begin() + static_cast<long>(first + 1 + (numbers.size() - first - 1) * 7 / 11), z);
        }
        EXPECT_EQ(xtalsieve::reduced_formula(numbers), line.substr(comma + 1)) << line;
        ++n;
    }
    EXPECT_GT(n, 300);
}
