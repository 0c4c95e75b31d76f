/* A C program using the shared library heedc makes from scaled.heed through
 * its generated header (shared-library.test). With the weights in
 * Inputs/scaled_weights.py (W = [[1, 0, 0, 0], [0, 1, 0, 0], [1, 1, 1, 1]],
 * b = [0, -1, 0.5]) and x = [[1, 2, 3, 4], [-1, -2, -3, -4]], by hand:
 *   x W^T + b = [[1, 1, 10.5], [-1, -3, -9.5]], y = relu(.) =
 *   [[1, 1, 10.5], [0, 0, 0]], s = [12.5, 0]. */
#include "libscaled.h"

#include <stdio.h>

int main(void) {
  heed_model *model = scaled_load();
  if (!model) {
    fprintf(stderr, "load failed: %s\n", heed_last_error());
    return 1;
  }
  const float x[2][4] = {{1, 2, 3, 4}, {-1, -2, -3, -4}};
  float y[2][3], s[2];
  const void *inputs[SCALED_NUM_INPUTS] = {x};
  void *outputs[SCALED_NUM_OUTPUTS] = {y, s};
  if (scaled_run(model, inputs, outputs) != HEED_OK) {
    fprintf(stderr, "run failed: %s\n", heed_last_error());
    return 1;
  }
  const float want_y[2][3] = {{1, 1, 10.5f}, {0, 0, 0}};
  const float want_s[2] = {12.5f, 0};
  int bad = 0;
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 3; ++j)
      bad |= y[i][j] != want_y[i][j];
    bad |= s[i] != want_s[i];
  }
  printf("y = [[%g, %g, %g], [%g, %g, %g]], s = [%g, %g]\n", y[0][0], y[0][1],
         y[0][2], y[1][0], y[1][1], y[1][2], s[0], s[1]);
  scaled_free(model);
  return bad;
}
