package dev.cutover.e2e;

import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real services ./run-tests starts and names in the environment. Missing ones skip a test
 * when run by hand, and fail it under ./run-tests (CUTOVER_TEST_REQUIRE_SERVICES=1), so CI can
 * never pass by skipping.
 */
final class Services {
  private Services() {}

  static String require(String variable) {
    String v = System.getenv(variable);
    if (v == null || v.isBlank()) {
      if ("1".equals(System.getenv("CUTOVER_TEST_REQUIRE_SERVICES"))) {
        fail(variable + " is not set; run the tests with ./run-tests");
      }
      assumeTrue(false, variable + " is not set; run ./run-tests (or eval \"$(./run-tests --env-only)\")");
    }
    return v;
  }

  static String temporalAddress() {
    return require("CUTOVER_TEST_TEMPORAL_ADDRESS");
  }

  static Path temporalBin() {
    return Path.of(require("CUTOVER_TEST_TEMPORAL_BIN"));
  }

  static Path cutoverJar() {
    Path jar = Path.of(System.getProperty("cutover.jar", "target/cutover.jar"));
    if (!Files.exists(jar)) {
      fail(jar + " does not exist; end-to-end tests run after `mvn package` (mvn verify)");
    }
    return jar;
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
