package dev.cutover.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The `temporal` CLI as an operator types it; returns its stdout, failing on a non-zero exit. */
final class TemporalCli {
  static final ObjectMapper JSON = new ObjectMapper();
  private final String bin;
  private final String address;

  TemporalCli(String bin, String address) {
    this.bin = bin;
    this.address = address;
  }

  String run(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(bin));
    cmd.addAll(List.of(args));
    cmd.addAll(List.of("--address", address));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException(
          String.join(" ", cmd) + " failed:\n" + new String(out, StandardCharsets.UTF_8));
    }
    return new String(out, StandardCharsets.UTF_8);
  }

  JsonNode json(String... args) throws IOException, InterruptedException {
    return JSON.readTree(run(args));
  }
}
