/* The sampled stats behind GET /metrics against Kafka's SampledStat arithmetic, with the worker's
 * one-second tick simulated (metrics.sample.window.ms=30000, metrics.num.samples=2). */
#include <math.h>
#include <string.h>

#include "kc_test.h"
#include "metrics/metrics.h"

#define W 30000
#define NS 2

static bool near(double a, double b) { return fabs(a - b) < 1e-9 * (fabs(b) + 1); }

/* Ticks every second from *t (exclusive) to @p until (inclusive), as the worker timer does. */
static void tick_to(kc_mstat_t *s, int64_t *t, int64_t until) {
  for (*t += 1000; *t <= until; *t += 1000) kc_mstat_roll(s, NS, W, *t);
  *t -= 1000;
}

static void test_rate_windows(void) {
  kc_msample_t ring[NS];
  kc_mstat_t s;
  kc_mstat_init(&s, ring, NS, 0);
  int64_t t = 0;
  kc_mstat_record(&s, 60);
  CHECK(s.total == 60);
  /* one sample, 10 s old: Rate.windowSize pads to (samples - 1) full windows: 10 s + 30 s */
  tick_to(&s, &t, 10000);
  CHECKF(near(kc_mstat_rate(&s, NS, W, 10000), 60.0 / 40.0), "rate %g", kc_mstat_rate(&s, NS, W, 10000));
  tick_to(&s, &t, 31000);
  kc_mstat_record(&s, 30);
  tick_to(&s, &t, 40000);
  /* two samples since 0: 90 over 40 s, no padding (one full window passed) */
  CHECKF(near(kc_mstat_rate(&s, NS, W, 40000), 90.0 / 40.0), "rate %g", kc_mstat_rate(&s, NS, W, 40000));
  CHECK(s.total == 90);
  /* at 61.5 s the first sample's last event (seen at the 1 s tick) is 60 s old: purged; the
   * oldest kept sample began at the 30 s roll */
  tick_to(&s, &t, 61500);
  double r = kc_mstat_rate(&s, NS, W, 61500);
  CHECKF(near(r, 30.0 / 31.5), "rate after purge %g", r);
  /* long idle: everything purged, the rate is 0 over the padded window; the total stays */
  tick_to(&s, &t, 200000);
  CHECK(kc_mstat_rate(&s, NS, W, 200000) == 0.0);
  CHECK(s.total == 90);
}

static void test_avg_max_share(void) {
  kc_msample_t ring[NS];
  kc_mstat_t s;
  kc_mstat_init(&s, ring, NS, 0);
  int64_t t = 0;
  CHECK(isnan(kc_mstat_avg(&s, NS, W, 0)));  /* Avg without events: NaN */
  CHECK(isnan(kc_mstat_max(&s, NS, W, 0)));  /* Max likewise */
  CHECK(kc_mstat_share(&s, NS, W, 0, true) == 0.0); /* Frequencies: 0 */
  kc_mstat_record(&s, 1);
  kc_mstat_record(&s, 0);
  kc_mstat_record(&s, 1);
  tick_to(&s, &t, 35000); /* the first sample closed at 30 s; it still counts */
  kc_mstat_record(&s, 1);
  CHECK(near(kc_mstat_avg(&s, NS, W, 35000), 0.75));
  CHECK(kc_mstat_max(&s, NS, W, 35000) == 1);
  CHECK(near(kc_mstat_share(&s, NS, W, 35000, true), 0.75));
  CHECK(near(kc_mstat_share(&s, NS, W, 35000, false), 0.25));
  tick_to(&s, &t, 62000); /* the first sample is obsolete now: only the 35 s record remains */
  CHECK(near(kc_mstat_avg(&s, NS, W, 62000), 1.0));
  tick_to(&s, &t, 100000);
  CHECK(isnan(kc_mstat_max(&s, NS, W, 100000)));
}

static void test_ring_keeps_num_samples(void) {
  /* metrics.num.samples=4: records in four consecutive windows all count while recent */
  kc_msample_t ring[4];
  kc_mstat_t s;
  kc_mstat_init(&s, ring, 4, 0);
  int64_t t = 0;
  for (int i = 0; i < 4; i++) {
    kc_mstat_record(&s, 10);
    for (int k = 0; k < 10; k++) kc_mstat_roll(&s, 4, 1000, t += 100);
  }
  /* t = 4000: four samples of 10 since 0 (the last closed at 4 s), nothing obsolete (4 x 1 s) */
  CHECKF(near(kc_mstat_rate(&s, 4, 1000, t), 40.0 / 4.0), "rate %g", kc_mstat_rate(&s, 4, 1000, t));
  /* without a ring (no memory) only the current sample is kept */
  kc_mstat_t bare;
  kc_mstat_init(&bare, NULL, 4, 0);
  kc_mstat_record(&bare, 5);
  kc_mstat_roll(&bare, 4, 1000, 1000);
  CHECK(isnan(kc_mstat_avg(&bare, 4, 1000, 1000)));
  CHECK(bare.total == 5);
}

static void test_zero_window(void) {
  /* metrics.sample.window.ms=0 (Connect's atLeast(0)): every sample is obsolete at once */
  kc_msample_t ring[NS];
  kc_mstat_t s;
  kc_mstat_init(&s, ring, NS, 0);
  kc_mstat_record(&s, 7);
  kc_mstat_roll(&s, NS, 0, 1000);
  CHECK(kc_mstat_rate(&s, NS, 0, 1000) == 0.0);
  CHECK(isnan(kc_mstat_avg(&s, NS, 0, 1000)));
  CHECK(s.total == 7);
}

int main(void) {
  kc_test_run("rate_windows", test_rate_windows);
  kc_test_run("avg_max_share", test_avg_max_share);
  kc_test_run("ring_keeps_num_samples", test_ring_keeps_num_samples);
  kc_test_run("zero_window", test_zero_window);
  return kc_test_done();
}
