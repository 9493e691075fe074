package io.featurestore.simulator;

import io.featurestore.population.Draws;
import io.featurestore.population.Population;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The stable traits of simulated user number {@code n}: its id and home country (those the
 * materializer wrote for the same seed) and its 1–2 devices. They depend only on the seed and
 * the user's number, never on the event stream, so {@code u0042} keeps its phone across runs.
 */
final class SimulatedUsers {
  /** Share of users with a single device; the others have two. */
  static final double ONE_DEVICE_SHARE = 0.6;
  static final String[] DEVICE_TYPES = {"ios", "android", "web"};
  private static final double[] DEVICE_TYPE_WEIGHTS = {0.45, 0.40, 0.15};
  /** Keeps the device draws independent of the materializer's draws for the same user. */
  private static final long DEVICE_SALT = 0x5DEECE66DL;

  private SimulatedUsers() {}

  record Profile(long number, String userId, String homeCountry, List<String> devices) {
    String primaryDevice() {
      return devices.get(0);
    }
  }

  static Profile profile(long n, long seed) {
    return new Profile(n, Population.userId(n), Population.homeCountry(n, seed), devicesOf(n, seed));
  }

  /** The user's devices, most used first, e.g. {@code [ios-9f02]} or {@code [android-03be, web-77a1]}. */
  static List<String> devicesOf(long n, long seed) {
    SplittableRandom random = Population.attributes(n, seed ^ DEVICE_SALT);
    int count = random.nextDouble() < ONE_DEVICE_SHARE ? 1 : 2;
    List<String> devices = new ArrayList<>(count);
    while (devices.size() < count) {
      String device = randomDevice(random);
      if (!devices.contains(device)) {
        devices.add(device);
      }
    }
    return List.copyOf(devices);
  }

  /** A device id like those of real users: a platform and four hex digits. */
  static String randomDevice(SplittableRandom random) {
    String type = DEVICE_TYPES[Draws.weighted(random, DEVICE_TYPE_WEIGHTS)];
    String hex = Integer.toHexString(0x10000 | random.nextInt(0x10000)).substring(1);
    return type + "-" + hex;
  }
}
