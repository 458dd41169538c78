package dev.cutover.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Plans for end-to-end runs against the demo target: real shapes, seconds instead of days. */
final class Plans {
  private Plans() {}

  static String canary(String name) {
    return """
        version: 1
        name: %s
        connections:
          target: { http: "${env:DEMO_TARGET_URL}" }
        checks:
          health: { http: "GET target:/health", expect: { status: 200 } }
          v2_error_rate: { http: "GET target:/stats", value: "$.error_rate", pass: "< 0.05" }
        traffic:
          set: { http: "PUT target:/api/flags/v2-rollout", body: '{"value": ${percent}}' }
          get: { http: "GET target:/api/flags/v2-rollout", value: "$.value" }
        prerequisites: [health]
        approvals: { approvers: [alice, bob], fourEyes: true }
        stages:
          - { name: canary, percent: 10, soak: 8s, every: 2s, gates: [v2_error_rate] }
          - name: half
            percent: 50
            soak: 6s
            every: 2s
            gates: [v2_error_rate]
            approval: true
            actions:
              - http: "POST target:/api/actions/announce-${stage}"
                expect: { status: 200 }
                undo: { http: "POST target:/api/actions/retract-${stage}", expect: { status: 200 } }
          - { name: full, percent: 100, soak: 4s, every: 2s, gates: [v2_error_rate] }
        watch:
          - { check: v2_error_rate, every: 1s, for: 2s }
        rollback:
          percent: 0
          actions: [{ http: "POST target:/api/actions/page-oncall", expect: { status: 200 } }]
          then: hold
        """
        .formatted(name);
  }

  static Path write(Path dir, String name, String yaml) throws IOException {
    Files.createDirectories(dir);
    Path p = dir.resolve(name + ".yaml");
    Files.writeString(p, yaml);
    return p;
  }
}
