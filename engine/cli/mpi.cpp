// MPI for `screen` (optional: -DXTALSIEVE_MPI=ON defines XTALSIEVE_HAVE_MPI).
#include <cstdlib>

#include "engine/cli/commands.hpp"
#include "xtalsieve/error.hpp"

#ifdef XTALSIEVE_HAVE_MPI
#define OMPI_SKIP_MPICXX 1  // the C API only
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>
#endif

namespace xtalsieve::cli {

namespace {
bool launched_by_mpi() {
    // OpenMPI's mpirun, PMIx (srun --mpi=pmix, OpenMPI 4/5), PMI-1/2 (srun --mpi=pmi2, MPICH's hydra).
    for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
        if (std::getenv(v)) return true;
    return false;
}
}  // namespace

#ifdef XTALSIEVE_HAVE_MPI
bool mpi_built() { return true; }

mpi_world mpi_start() {
    mpi_world w;
    if (!launched_by_mpi()) return w;
    int inited = 0;
    MPI_Initialized(&inited);
    if (!inited && MPI_Init(nullptr, nullptr) != MPI_SUCCESS) throw error("MPI_Init failed");
    MPI_Comm_rank(MPI_COMM_WORLD, &w.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &w.size);
    w.active = true;
    return w;
}

void mpi_barrier() { MPI_Barrier(MPI_COMM_WORLD); }

void mpi_abort(int code) {
    MPI_Abort(MPI_COMM_WORLD, code);
    std::abort();  // MPI_Abort does not return; the compiler cannot know
}

void mpi_finish() {
    int inited = 0, finalized = 0;
    MPI_Initialized(&inited);
    MPI_Finalized(&finalized);
    if (inited && !finalized) MPI_Finalize();
}
#else
bool mpi_built() { return false; }

mpi_world mpi_start() {
    if (!launched_by_mpi()) return {};
    const char* n = std::getenv("OMPI_COMM_WORLD_SIZE");
    if (!n) n = std::getenv("PMI_SIZE");
    if (n && std::atoi(n) > 1)
        throw error("launched as one of " + std::string(n) +
                    " MPI processes, but this xtalsieve was built without MPI (-DXTALSIEVE_MPI=ON; Debian libopenmpi-dev); "
                    "use --shard i/n and xtalsieve merge instead");
    return {};
}
void mpi_barrier() {}
void mpi_abort(int code) { std::exit(code); }
void mpi_finish() {}
#endif

}  // namespace xtalsieve::cli
