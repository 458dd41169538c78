package dev.cutover.engine;

import dev.cutover.plan.Check;
import dev.cutover.stats.Counts;
import dev.cutover.stats.Evidence;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Simulated soaks of a compare gate, to show what each method's false-alarm rate and speed are when
 * a gate is measured every minute for a week (docs/compare-checks.md has the figures). Each run
 * draws, for every minute, the requests of each path and how many of them failed (binomial, exact),
 * and puts them through the engine's own judging code: {@link ProportionTest} on a moving window of
 * counts, as a z-test gate's query would give, and {@link SequentialCompare#advance} (the
 * sequential test without its words) on running totals. A run "rolls back" at the first FAIL (a
 * rule with neither {@code for} nor {@code failures}, severity critical: the default); the z-test
 * is also shown with {@code failures: 3/5}.
 *
 * <p>Deterministic for a seed; no Temporal, no I/O. {@code main} prints the figures:
 *
 * <pre>
 *   java -cp plan/target/classes:$(jackson jars) dev.cutover.engine.CompareSoaks [runs] [seed]
 * </pre>
 *
 * or {@code ./bench stats}.
 */
public final class CompareSoaks {
  /** What is simulated. */
  public record Scenario(
      int runs,
      int minutes,
      int requestsPerMinute,
      double newShare,
      double baseRate,
      double newRate,
      int zWindowMinutes,
      Check.Compare zTest,
      Check.Compare sequential,
      long seed) {}

  /**
   * What came of the runs: how many rolled back (z-test at the first FAIL, z-test with 3 of 5,
   * sequential), and the minutes to each run's rollback (-1: none in the soak).
   */
  public static final class Result {
    private final int[] z;
    private final int[] z3of5;
    private final int[] sequential;

    Result(int[] z, int[] z3of5, int[] sequential) {
      this.z = z.clone();
      this.z3of5 = z3of5.clone();
      this.sequential = sequential.clone();
    }

    public int[] zMinutes() {
      return z.clone();
    }

    public int[] z3of5Minutes() {
      return z3of5.clone();
    }

    public int[] sequentialMinutes() {
      return sequential.clone();
    }

    public double zRate() {
      return rate(z);
    }

    public double z3of5Rate() {
      return rate(z3of5);
    }

    public double sequentialRate() {
      return rate(sequential);
    }

    /** The median minutes to roll back among the runs that did; -1 when fewer than half did. */
    public static int median(int[] minutes) {
      int[] done = Arrays.stream(minutes).filter(m -> m >= 0).sorted().toArray();
      if (done.length * 2 < minutes.length) {
        return -1;
      }
      // Runs that never rolled back count as longer than any that did.
      return done[(minutes.length - 1) / 2];
    }

    /** The {@code q} quantile (0..1) of the minutes, runs that never rolled back last; -1: none. */
    public static int quantile(int[] minutes, double q) {
      int[] done = Arrays.stream(minutes).filter(m -> m >= 0).sorted().toArray();
      int i = (int) Math.ceil(q * minutes.length) - 1;
      return i < done.length ? done[Math.max(0, i)] : -1;
    }

    static double rate(int[] minutes) {
      return (double) Arrays.stream(minutes).filter(m -> m >= 0).count() / minutes.length;
    }
  }

  private CompareSoaks() {}

  /** The gate the figures are for: margin 0, minSamples 100, every minute. */
  public static Scenario scenario(int runs, double newRate, long seed) {
    Check.Compare z =
        new Check.Compare("prom", Check.Compare.Kind.PROMETHEUS, "f", "t", "f", "t", 0, 0.95, 100);
    Check.Compare seq =
        new Check.Compare(
            "prom",
            Check.Compare.Kind.PROMETHEUS,
            "f",
            "t",
            "f",
            "t",
            0,
            0.95,
            100,
            Check.Compare.Method.SEQUENTIAL,
            0.05,
            0);
    return new Scenario(runs, 7 * 24 * 60, 1000, 0.10, 0.01, newRate, 10, z, seq, seed);
  }

  public static Result run(Scenario s) {
    int[] z = new int[s.runs()];
    int[] z35 = new int[s.runs()];
    int[] seq = new int[s.runs()];
    SplittableRandom root = new SplittableRandom(s.seed());
    for (int i = 0; i < s.runs(); i++) {
      long[] out = soak(s, root.split());
      z[i] = (int) out[0];
      z35[i] = (int) out[1];
      seq[i] = (int) out[2];
    }
    return new Result(z, z35, seq);
  }

  /** One soak: the minute of each method's first rollback, or -1. */
  private static long[] soak(Scenario s, SplittableRandom rnd) {
    int newN = (int) Math.round(s.requestsPerMinute() * s.newShare());
    int baseN = s.requestsPerMinute() - newN;
    Binomial newDraw = new Binomial(newN, s.newRate());
    Binomial baseDraw = new Binomial(baseN, s.baseRate());
    int w = s.zWindowMinutes();
    int[] newWin = new int[w];
    int[] baseWin = new int[w];
    int newInWin = 0;
    int baseInWin = 0;
    double newFailures = 0;
    double baseFailures = 0;
    boolean[] last5 = new boolean[5];
    int zAt = -1;
    int z35At = -1;
    int seqAt = -1;
    Evidence evidence = null;
    for (int m = 0; m <= s.minutes() && (zAt < 0 || z35At < 0 || seqAt < 0); m++) {
      if (m > 0) {
        int nf = newDraw.draw(rnd);
        int bf = baseDraw.draw(rnd);
        newInWin += nf - newWin[m % w];
        baseInWin += bf - baseWin[m % w];
        newWin[m % w] = nf;
        baseWin[m % w] = bf;
        newFailures += nf;
        baseFailures += bf;
      }
      long at = m * 60_000L;
      if (m >= w && (zAt < 0 || z35At < 0)) {
        Outcome o =
            ProportionTest.judge(s.zTest(), counts(newInWin, newN * w, baseInWin, baseN * w), at)
                .outcome();
        boolean fail = o == Outcome.FAIL;
        if (fail && zAt < 0) {
          zAt = m;
        }
        System.arraycopy(last5, 1, last5, 0, 4);
        last5[4] = fail;
        int failed = 0;
        for (boolean f : last5) {
          failed += f ? 1 : 0;
        }
        if (failed >= 3 && z35At < 0) {
          z35At = m;
        }
      }
      if (seqAt < 0) {
        evidence =
            SequentialCompare.advance(
                s.sequential(),
                evidence,
                new Counts(newFailures, (double) newN * m, baseFailures, (double) baseN * m),
                at);
        if (evidence.shownWorseAt() != null) {
          seqAt = m;
        }
      }
    }
    return new long[] {zAt, z35At, seqAt};
  }

  private static Reading counts(double nf, double nt, double bf, double bt) {
    return Reading.counts(
        "gate",
        Map.of(
            ProportionTest.NEW_FAILURES,
            nf,
            ProportionTest.NEW_TOTAL,
            nt,
            ProportionTest.BASE_FAILURES,
            bf,
            ProportionTest.BASE_TOTAL,
            bt),
        "");
  }

  /** Exact binomial draws by inversion (fine for the small means of a minute's failures). */
  private static final class Binomial {
    private final int n;
    private final double p;
    private final double p0;

    Binomial(int n, double p) {
      this.n = n;
      this.p = p;
      this.p0 = Math.pow(1 - p, n);
    }

    int draw(SplittableRandom rnd) {
      double u = rnd.nextDouble();
      double pk = p0;
      double cdf = pk;
      int k = 0;
      double ratio = p / (1 - p);
      while (u > cdf && k < n) {
        pk *= (double) (n - k) / (k + 1) * ratio;
        k++;
        cdf += pk;
      }
      return k;
    }
  }

  /** Prints the figures: {@code [runs] [seed]} (1,000 and 14 by default). */
  public static void main(String[] args) {
    int runs;
    long seed;
    try {
      runs = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
      seed = args.length > 1 ? Long.parseLong(args[1]) : 14;
    } catch (NumberFormatException e) {
      runs = -1;
      seed = 0;
    }
    if (runs < 1 || runs > 100_000 || args.length > 2) {
      System.err.println(
          "usage: ./bench stats [runs (1..100000, default 1000)] [seed (default 14)]");
      System.exit(2);
      return;
    }
    long t0 = System.nanoTime();
    Result aa = run(scenario(runs, 0.01, seed));
    Result ab = run(scenario(runs, 0.02, seed + 1));
    double secs = (System.nanoTime() - t0) / 1e9;
    System.out.println(
        "compare gate measured every minute for 7 days; 1,000 requests a minute, 10% on the new"
            + " path; baseline 1% failures; margin 0; "
            + runs
            + " runs each, seed "
            + seed);
    System.out.printf(
        Locale.ROOT,
        "A/A (new 1%%): rolled back  z-test %.1f%%  z-test 3/5 %.1f%%  sequential %.1f%%%n",
        100 * aa.zRate(),
        100 * aa.z3of5Rate(),
        100 * aa.sequentialRate());
    System.out.printf(
        Locale.ROOT,
        "A/A: minutes to the first false rollback: z-test median %d, z-test 3/5 median %d%n",
        Result.median(aa.zMinutes()),
        Result.median(aa.z3of5Minutes()));
    System.out.printf(
        Locale.ROOT,
        "A/B (new 2%%): detected  sequential %.1f%% in the soak; minutes to detect: median %d,"
            + " 90th percentile %d (z-test median %d, 3/5 median %d)%n",
        100 * ab.sequentialRate(),
        Result.median(ab.sequentialMinutes()),
        Result.quantile(ab.sequentialMinutes(), 0.9),
        Result.median(ab.zMinutes()),
        Result.median(ab.z3of5Minutes()));
    System.out.printf(Locale.ROOT, "%.1f s%n", secs);
    MetricSoaks.report(runs, seed);
  }
}
