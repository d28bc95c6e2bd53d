/* The C API on a batch: NaCl and CsCl as flat arrays, one call, a
 * [2, n_outputs] matrix back; then a bad batch to show the error codes.
 *
 *   predict_batch MODEL [MODEL...]     (checkpoint paths or official names)
 */
#include <stdio.h>
#include <stdlib.h>

#include "xtalsieve/xtalsieve.h"

int main(int argc, char** argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s MODEL [MODEL...]\n", argv[0]);
        return 2;
    }
    printf("xtalsieve %s (C ABI %d)\n", xs_version(), xs_abi_version());
    xs_predictor* p = xs_predictor_new((const char* const*)(argv + 1), (size_t)(argc - 1), NULL);
    if (!p) {
        fprintf(stderr, "error: %s\n", xs_last_error());
        return 1;
    }
    const size_t cols = xs_predictor_n_outputs(p);

    /* Structure 0: rock-salt NaCl (8 sites), structure 1: CsCl (2 sites). */
    const size_t offsets[3] = {0, 8, 10};
    const double lattices[18] = {5.64, 0, 0, 0, 5.64, 0, 0, 0, 5.64, /* NaCl, Å */
                                 4.12, 0, 0, 0, 4.12, 0, 0, 0, 4.12}; /* CsCl */
    const double frac[30] = {0, 0, 0,  0, .5, .5,  .5, 0, .5,  .5, .5, 0,
                             .5, 0, 0,  0, .5, 0,  0, 0, .5,  .5, .5, .5,
                             0, 0, 0,  .5, .5, .5};
    const int numbers[10] = {11, 11, 11, 11, 17, 17, 17, 17, 55, 17};
    double* out = malloc(2 * cols * sizeof(double));
    int rc = xs_predict_batch(p, 2, offsets, lattices, frac, numbers, out);
    if (rc != XS_OK) {
        fprintf(stderr, "error %d: %s\n", rc, xs_last_error());
        return 1;
    }
    for (size_t i = 0; i < 2; ++i)
        for (size_t k = 0; k < cols; ++k)
            printf("%s %s = %.6f\n", i == 0 ? "NaCl" : "CsCl", xs_predictor_output_name(p, k), out[i * cols + k]);

    /* Element 0 does not exist: that row fails alone (NaN), the call says XS_PARTIAL. */
    const int bad[10] = {11, 11, 11, 11, 17, 17, 17, 17, 0, 17};
    rc = xs_predict_batch(p, 2, offsets, lattices, frac, bad, out);
    printf("bad batch: status %d (XS_PARTIAL = %d): %s\n", rc, XS_PARTIAL, xs_last_error());
    const int ok = rc == XS_PARTIAL && out[0] == out[0] && out[cols] != out[cols];
    free(out);
    xs_predictor_free(p);
    return ok ? 0 : 1;
}
