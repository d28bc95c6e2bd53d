/* xtalsieve.h — C API for FFI (C, Python ctypes, Julia, Rust ...).
 *
 * No C++ exception crosses this boundary: every function reports failure
 * through its return value (an xs_status code, or NULL), and xs_last_error()
 * gives the reason (a string owned by the library, valid until the next call
 * on the same thread).
 *
 * ABI policy: handles are opaque (xs_predictor), no struct crosses the
 * boundary by value, every array is a pointer plus a stated size. Functions
 * are only ever added; an incompatible change bumps XS_ABI_VERSION and the
 * shared library's SONAME (libxtalsieve.so.<XS_ABI_VERSION>).
 *
 * Thread safety: an xs_predictor may be shared by threads. xs_predict_batch
 * may be called concurrently on one predictor; xs_predict_cif and
 * xs_predict_arrays may too (each thread keeps its own scratch buffers).
 * xs_predictor_free must not race with any other call on the same handle.
 *
 * Units: lengths in Å; predictions in each model's unit (eV, eV/atom ...).
 */
#ifndef XTALSIEVE_H
#define XTALSIEVE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Version of the C ABI (the shared library's SONAME number). */
#define XS_ABI_VERSION 0

/* Return codes. */
typedef enum xs_status {
    XS_OK = 0,
    XS_ERROR = -1,            /* failure; xs_last_error() says why */
    XS_INVALID_ARGUMENT = -2, /* a NULL pointer or inconsistent sizes (nothing written) */
    XS_PARTIAL = -3           /* batch: some structures failed; their rows are NaN */
} xs_status;

/* "MAJOR.MINOR.PATCH" of the library (static string). */
const char* xs_version(void);
/* XS_ABI_VERSION of the library actually loaded. */
int xs_abi_version(void);

typedef struct xs_predictor xs_predictor;

/* Loads n_models checkpoints (paths or names such as "cgcnn/band-gap"); atom_init
 * may be NULL (then the file beside each checkpoint is used). Returns NULL on
 * failure. The caller owns the result: free it with xs_predictor_free. */
xs_predictor* xs_predictor_new(const char* const* models, size_t n_models, const char* atom_init);
void xs_predictor_free(xs_predictor* p);

/* Number of models (= values written per structure by xs_predict_cif and
 * xs_predict_arrays when every model has one output; see xs_predictor_n_outputs). */
size_t xs_predictor_n_models(const xs_predictor* p);

/* Predicts one structure given as CIF text. out receives n_models doubles.
 * Returns 0 on success, -1 on failure (see xs_last_error). */
int xs_predict_cif(xs_predictor* p, const char* cif_text, size_t len, double* out);

/* Predicts one structure given as arrays: lattice[9] (rows a, b, c in Å),
 * frac[3 * n_atoms] fractional coordinates, numbers[n_atoms] atomic numbers.
 * Sites are reordered by electronegativity internally as the reference does.
 * Returns 0 on success, -1 on failure. */
int xs_predict_arrays(xs_predictor* p, const double* lattice, const double* frac, const int* numbers,
                      size_t n_atoms, double* out);

/* As xs_predictor_new, with the number of worker threads used by
 * xs_predict_batch (0: all cores). xs_predictor_new uses 0 too. */
xs_predictor* xs_predictor_new_threads(const char* const* models, size_t n_models, const char* atom_init,
                                       int threads);

/* As xs_predictor_new_threads, on a device: "cpu", "cuda" or "cuda:N" (NULL or
 * "": cpu). Returns NULL when the device string is malformed, when this
 * library was built without CUDA, when the device does not exist or when a
 * model family has no CUDA implementation (xs_last_error says which). */
xs_predictor* xs_predictor_new_device(const char* const* models, size_t n_models, const char* atom_init,
                                      int threads, const char* device);

/* Number of output columns (values written per structure by xs_predict_batch):
 * one per model output; a multi-output model contributes several. */
size_t xs_predictor_n_outputs(const xs_predictor* p);
/* Name of output column k (string owned by p), or NULL when k is out of range. */
const char* xs_predictor_output_name(const xs_predictor* p, size_t k);

/* Predicts n_structures structures given as flat arrays (all owned by the
 * caller, read only during the call):
 *   offsets   n_structures + 1 values; structure i has sites offsets[i] ..
 *             offsets[i+1] - 1; offsets[0] = 0, non-decreasing.
 *   lattices  9 * n_structures doubles: per structure rows a, b, c (Å), row-major.
 *   coords    3 * offsets[n_structures] doubles: fractional coordinates.
 *   numbers   offsets[n_structures] atomic numbers.
 *   out       n_structures * xs_predictor_n_outputs(p) doubles, row-major
 *             [n_structures, n_outputs], written by the call.
 * Sites may be in any order (each model orders them as its reference does).
 * Runs the library's parallel pipeline (p's threads). Returns XS_OK;
 * XS_PARTIAL when some structures could not be predicted (their rows are
 * NaN; xs_last_error() names the first, "batch structure I, id ID: reason");
 * XS_INVALID_ARGUMENT for NULL pointers or bad offsets; XS_ERROR otherwise. */
int xs_predict_batch(xs_predictor* p, size_t n_structures, const size_t* offsets, const double* lattices,
                     const double* coords, const int* numbers, double* out);

/* Flags for xs_predict_batch_ex. */
#define XS_CARTESIAN 1u /* coords are Cartesian (Å), not fractional */

/* xs_predict_batch with flags (XS_CARTESIAN) and, when n_failed is not
 * NULL, the number of failed rows written to *n_failed. */
int xs_predict_batch_ex(xs_predictor* p, size_t n_structures, const size_t* offsets, const double* lattices,
                        const double* coords, const int* numbers, unsigned flags, double* out,
                        size_t* n_failed);

const char* xs_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* XTALSIEVE_H */
