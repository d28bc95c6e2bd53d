// Which neighbour slots of an atom repeat an earlier slot exactly (see
// conv_args::same_as): the CGCNN convolution reuses their gates.
#include <cstdint>
#include <cstring>

#include "engine/cpu/kernels.hpp"
#include "xtalsieve/error.hpp"

namespace xtalsieve::cpu {

void same_slots(const std::int32_t* nbr_idx, const float* nbr_dist, std::int64_t n, int M, std::int8_t* same_as) {
    XS_ASSERT(M <= 127);
    for (std::int64_t i = 0; i < n; ++i) {
        const std::int32_t* idx = nbr_idx + i * M;
        const float* d = nbr_dist + i * M;
        for (int m = 0; m < M; ++m) {
            same_as[i * M + m] = -1;
            for (int q = 0; q < m; ++q)
                if (idx[q] == idx[m] && std::memcmp(&d[q], &d[m], sizeof(float)) == 0) {
                    same_as[i * M + m] = static_cast<std::int8_t>(q);
                    break;
                }
        }
    }
}

}  // namespace xtalsieve::cpu
