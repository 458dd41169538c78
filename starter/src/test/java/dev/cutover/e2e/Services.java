package dev.cutover.e2e;

import static org.assertj.core.api.Assertions.fail;

import dev.cutover.testing.TestServices;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real services ./run-tests starts and names in the environment ({@link TestServices#require}:
 * missing ones skip a test when run by hand and fail it under ./run-tests), and the packaged jars.
 */
final class Services {
  private Services() {}

  static String require(String variable) {
    return TestServices.require(variable);
  }

  static String temporalAddress() {
    return require("CUTOVER_TEST_TEMPORAL_ADDRESS");
  }

  static Path temporalBin() {
    return Path.of(require("CUTOVER_TEST_TEMPORAL_BIN"));
  }

  /** The CLI's jar ({@code cutover ...}), packaged before the end-to-end tests run. */
  static Path cutoverJar() {
    return packaged("cutover.jar", "target/cutover.jar");
  }

  /** The worker's own jar, what the container image runs ({@code java -jar cutover-worker.jar}). */
  static Path workerJar() {
    return packaged("cutover.worker.jar", "../worker/target/cutover-worker.jar");
  }

  private static Path packaged(String property, String fallback) {
    Path jar = Path.of(System.getProperty(property, fallback));
    if (!Files.exists(jar)) {
      fail(jar + " does not exist; end-to-end tests run after `./mvnw package` (./mvnw verify)");
    }
    return jar;
  }

  static int freePort() {
    return TestServices.freePort();
  }
}
