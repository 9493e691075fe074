package io.featurestore.events;

/**
 * A login attempt. JSON: {@code {"user_id":"u0001","ts":1716998413541,"device_id":"ios-9f02",
 * "country":"US","success":true}}; {@code ts} is event time in epoch millis.
 */
public record LoginEvent(String userId, long ts, String deviceId, String country, boolean success) implements Event {
  public static final String TYPE = "login";

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public Object ownField(String name) {
    switch (name) {
      case "device_id":
        return deviceId;
      case "country":
        return country;
      case "success":
        return success;
      default:
        return null;
    }
  }
}
