package io.featurestore.population;

import java.util.SplittableRandom;

/** Draws from a seeded stream, for the synthetic users and the events made up for them. */
public final class Draws {
  private Draws() {}

  /** The index of a weight, drawn in proportion to the weights (which sum to 1). */
  public static int weighted(SplittableRandom random, double[] weights) {
    double u = random.nextDouble();
    double sum = 0;
    for (int i = 0; i < weights.length; i++) {
      sum += weights[i];
      if (u < sum) {
        return i;
      }
    }
    return weights.length - 1;
  }

  /** A Poisson draw with the given mean (Knuth's method: fine for the small means used here). */
  public static long poisson(SplittableRandom random, double mean) {
    double limit = Math.exp(-mean);
    double p = random.nextDouble();
    long k = 0;
    while (p > limit) {
      p *= random.nextDouble();
      k++;
    }
    return k;
  }

  /** A standard normal draw (Box–Muller: SplittableRandom has no nextGaussian on Java 17). */
  public static double gaussian(SplittableRandom random) {
    double u1 = 1 - random.nextDouble();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * random.nextDouble());
  }
}
