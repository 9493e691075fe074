package io.featurestore.infra.junit;

/** Where the test run's Redis listens. */
public record RedisEndpoint(String host, int port) {
  public String url() {
    return "redis://" + host + ":" + port;
  }
}
