package dev.cutover.bench;

import dev.cutover.engine.Reading;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The plans the simulated figures run, and the readings their fake world answers with. */
final class Plans {
  private Plans() {}

  /**
   * Six weeks of stages (1 + 2 + 3 weeks) under a 1-minute watch, approvals between stages: the
   * plan of the "events per run" figure.
   */
  static final String SIX_WEEKS =
      """
      version: 1
      name: bench-six-weeks
      description: bench - six weeks under a one-minute watch
      connections:
        db: { postgres: "jdbc:postgresql://db.internal:5432/app" }
        prom: { prometheus: "http://prometheus.internal:9090" }
        flags: { http: "https://flags.internal" }
      checks:
        success_rate: { sql: db, query: "SELECT 99 AS value", pass: ">= 95" }
        stuck_imports: { sql: db, query: "SELECT 0 AS value", pass: "== 0" }
        error_rate: { prometheus: prom, query: "sum(rate(errors[5m]))", pass: "< 0.05" }
      traffic:
        set: { http: "PUT flags:/api/flags/v2-rollout", body: '{"value": ${percent}}' }
        get: { http: "GET flags:/api/flags/v2-rollout", value: "$.value" }
      stages:
        - { name: canary, percent: 10, soak: 7d, every: 1h, gates: [success_rate, stuck_imports], approval: true }
        - { name: half, percent: 50, soak: 14d, every: 6h, gates: [success_rate, stuck_imports], approval: true }
        - { name: full, percent: 100, soak: 21d, every: 24h, gates: [success_rate] }
      watch:
        - { check: error_rate, every: 1m, for: 5m, severity: critical }
        - { check: stuck_imports, every: 10m, severity: critical }
      rollback: { percent: 0, then: hold }
      approvals: { approvers: [alice, bob], fourEyes: true }
      """;

  /** Passing readings for every check of SIX_WEEKS and of examples/full-pass-v2.yaml (seed 001). */
  static final Map<String, Reading> PASSING =
      Map.of(
          "schema_ready", Reading.value("schema_ready", 4.0, "4 columns"),
          "health", Reading.expectations("health", null, List.of(), "HTTP 200"),
          "success_rate", Reading.value("success_rate", 99.0, "99%"),
          "stuck_imports", Reading.value("stuck_imports", 0.0, "none"),
          "error_rate", Reading.value("error_rate", 0.01, "1%"),
          "p95_minutes", Reading.value("p95_minutes", 10.0, "10 min"),
          "in_flight_v2", Reading.value("in_flight_v2", 0.0, "none"),
          "v1_calls", Reading.value("v1_calls", 0.0, "none"));

  static Reading passing(String check) {
    Reading r = PASSING.get(check);
    return r != null ? r : Reading.error(check, "bench: no reading scripted for " + check);
  }

  /** examples/full-pass-v2.yaml, the seed-001 plan, read from the repository. */
  static String seed001(Path repo) {
    Path p = repo.resolve("examples").resolve("full-pass-v2.yaml");
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read " + p + " (run the bench from the repository root, or set -Dcutover.repo)",
          e);
    }
  }
}
