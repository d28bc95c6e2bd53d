/* xtalsieve.h — C API for FFI (Python ctypes, Julia, Rust ...).
 *
 * No C++ exception crosses this boundary: every function reports failure
 * through its return value, and xs_last_error() gives the reason (a string
 * owned by the library, valid until the next call on the same thread).
 */
#ifndef XTALSIEVE_H
#define XTALSIEVE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct xs_predictor xs_predictor;

/* Loads n_models checkpoints (paths or names such as "cgcnn/band-gap"); atom_init
 * may be NULL (then the file beside each checkpoint is used). Returns NULL on
 * failure. The caller owns the result: free it with xs_predictor_free. */
xs_predictor* xs_predictor_new(const char* const* models, size_t n_models, const char* atom_init);
void xs_predictor_free(xs_predictor* p);

/* Number of models (= values written per structure by the predict calls). */
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

const char* xs_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* XTALSIEVE_H */
