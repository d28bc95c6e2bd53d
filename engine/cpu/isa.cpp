#include "engine/cpu/isa.hpp"

#include <hwy/targets.h>

#include <cstdlib>

#include "xtalsieve/error.hpp"

namespace xtalsieve::cpu {

namespace {

// Highway's own run-time check of each target's full flag set (AVX2 needs FMA,
// BMI2 and F16C too; AVX3 needs AVX-512 F/BW/DQ/VL), the same sets the kernel
// files are compiled for.
bool cpu_has(isa i) {
    const std::int64_t t = hwy::SupportedTargets();
    switch (i) {
        case isa::avx512: return (t & HWY_AVX3) != 0;
        case isa::avx2: return (t & HWY_AVX2) != 0;
        case isa::portable: return true;
    }
    return false;
}

}  // namespace

const char* isa_name(isa i) {
    switch (i) {
        case isa::avx512: return "avx512";
        case isa::avx2: return "avx2";
        case isa::portable: return "portable";
    }
    return "?";
}

std::vector<isa> supported_isas() {
    std::vector<isa> v;
    for (isa i : {isa::avx512, isa::avx2, isa::portable})
        if (cpu_has(i)) v.push_back(i);
    return v;
}

isa resolve_isa(std::string_view requested) {
    std::string_view from = "option";
    if (requested.empty()) {
        const char* e = std::getenv("XTALSIEVE_ISA");
        if (!e || !*e) return supported_isas().front();
        requested = e;
        from = "XTALSIEVE_ISA";
    }
    for (isa i : {isa::avx512, isa::avx2, isa::portable}) {
        if (requested != isa_name(i)) continue;
        if (!cpu_has(i))
            throw error(std::string(from) + "=" + std::string(requested) +
                        ": this CPU cannot run that instruction-set path");
        return i;
    }
    throw error(std::string(from) + "=" + std::string(requested) +
                ": unknown instruction-set path (avx512, avx2 or portable)");
}

const kernel_table& kernels(isa i) {
    switch (i) {
        case isa::avx512: return isa_avx512::table;
        case isa::avx2: return isa_avx2::table;
        case isa::portable: return isa_portable::table;
    }
    XS_ASSERT(false);
}

}  // namespace xtalsieve::cpu
