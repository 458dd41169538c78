package dev.cutover.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/**
 * The real services ./run-tests starts or installs and names in the environment ({@code
 * CUTOVER_TEST_*}). A missing one skips the test when run by hand, and fails it under ./run-tests
 * ({@code CUTOVER_TEST_REQUIRE_SERVICES=1}), so that CI can never pass by skipping.
 */
public final class TestServices {
  private TestServices() {}

  /**
   * The variable's value; skips (by hand) or fails (under ./run-tests) the test when it is unset.
   */
  public static String require(String variable) {
    String v = System.getenv(variable);
    if (v == null || v.isBlank()) {
      if ("1".equals(System.getenv("CUTOVER_TEST_REQUIRE_SERVICES"))) {
        fail(
            variable
                + " is not set, but CUTOVER_TEST_REQUIRE_SERVICES=1: run the tests with ./run-tests");
      }
      assumeTrue(
          false,
          variable + " is not set; run ./run-tests (or eval \"$(./run-tests --env-only)\" first)");
    }
    return v;
  }

  /** The nginx binary ./run-tests installs ({@code CUTOVER_TEST_NGINX_BIN}). */
  public static String nginxBin() {
    return require("CUTOVER_TEST_NGINX_BIN");
  }

  /** A TCP port on 127.0.0.1 that was free a moment ago. */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
