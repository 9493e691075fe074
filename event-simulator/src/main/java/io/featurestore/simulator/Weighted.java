package io.featurestore.simulator;

import java.util.SplittableRandom;

/** Small sampling helpers shared by the generator and the user profiles. */
final class Weighted {
  private Weighted() {}

  /** The index of a weight, drawn in proportion to the weights (which sum to 1). */
  static int pick(SplittableRandom random, double[] weights) {
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

  /** A standard normal draw (Box–Muller: SplittableRandom has no nextGaussian on Java 17). */
  static double gaussian(SplittableRandom random) {
    double u1 = 1 - random.nextDouble();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * random.nextDouble());
  }
}
