package dev.cutover.activities;

import static dev.cutover.activities.Fixtures.failure;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.workflows.FailureTypes;
import io.temporal.failure.ApplicationFailure;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SecretsTest {
  private final Secrets secrets = new Secrets(Map.of(
      Secrets.ALLOWED, "DB_PASSWORD, TOKEN,LOOKS_LIKE_*, EMPTY,DB_USER,MISSING",
      "DB_PASSWORD", "hunter2-long-secret",
      "TOKEN", "abc def",
      "LOOKS_LIKE_A_REFERENCE", "${env:DB_PASSWORD}",
      "EMPTY", ""));

  @Test
  void resolvesEveryReferenceInTheText() {
    assertThat(secrets.resolve("Bearer ${env:TOKEN} / ${env:DB_PASSWORD}"))
        .isEqualTo("Bearer abc def / hunter2-long-secret");
  }

  @Test
  void leavesTextWithoutReferencesAndNullAlone() {
    assertThat(secrets.resolve("jdbc:postgresql://db:5432/app")).isEqualTo("jdbc:postgresql://db:5432/app");
    assertThat(secrets.resolve(null)).isNull();
  }

  @Test
  void neverResolvesAValueAgain() {
    assertThat(secrets.resolve("${env:LOOKS_LIKE_A_REFERENCE}")).isEqualTo("${env:DB_PASSWORD}");
  }

  @Test
  void anUnsetVariableIsANonRetryableInvalidRequestNamingIt() {
    ApplicationFailure f = failure(() -> secrets.resolve("user=${env:DB_USER} password=${env:DB_PASSWORD}"));

    assertThat(f.getType()).isEqualTo(FailureTypes.INVALID_REQUEST);
    assertThat(f.isNonRetryable()).isTrue();
    assertThat(f.getOriginalMessage()).isEqualTo("environment variable DB_USER is not set on the worker");
  }

  @Test
  void anUnsetVariableMessageHoldsNoValueResolvedBeforeIt() {
    ApplicationFailure f = failure(() -> secrets.resolve("${env:DB_PASSWORD}:${env:MISSING}"));

    assertThat(f.getOriginalMessage()).doesNotContain("hunter2");
  }

  @Test
  void redactsEveryValueItHandedOut() {
    secrets.resolve("${env:DB_PASSWORD}");
    secrets.resolve("${env:TOKEN}");

    assertThat(secrets.redact("FATAL: password hunter2-long-secret rejected; token abc def; again hunter2-long-secret"))
        .isEqualTo("FATAL: password *** rejected; token ***; again ***");
  }

  @Test
  void redactsTheUrlEncodedFormsToo() {
    secrets.resolve("${env:TOKEN}");

    assertThat(secrets.redact("GET /x?t=abc+def and /p/abc%20def")).isEqualTo("GET /x?t=*** and /p/***");
  }

  @Test
  void redactsTheSecretPathOfAUrlHeldAsASecret() {
    Secrets withHook = new Secrets(Map.of("HOOK", "https://hooks.slack.com/services/T0/B0/XyZ123",
        "PROM", "http://prom:9090/", Secrets.ALLOWED, "HOOK,PROM"));
    withHook.resolve("${env:HOOK} ${env:PROM}");

    assertThat(withHook.redact("no_service for /services/T0/B0/XyZ123 via http://prom:9090/"))
        .isEqualTo("no_service for *** via ***");
    assertThat(withHook.redact("GET / answered 404")).isEqualTo("GET / answered 404");
  }

  @Test
  void doesNotRedactValuesItNeverHandedOut() {
    secrets.resolve("${env:TOKEN}");

    assertThat(secrets.redact("hunter2-long-secret")).isEqualTo("hunter2-long-secret");
  }

  @Test
  void anEmptyValueIsNotASecretToHide() {
    assertThat(secrets.resolve("[${env:EMPTY}]")).isEqualTo("[]");

    assertThat(secrets.redact("nothing to hide")).isEqualTo("nothing to hide");
  }

  @Test
  void redactsNullAsNull() {
    assertThat(secrets.redact(null)).isNull();
  }
}
