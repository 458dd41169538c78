package dev.cutover.activities;

import static dev.cutover.activities.Fixtures.effectFailure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cutover.workflows.FailureTypes;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SecretsTest {
  private final Secrets secrets =
      new Secrets(
          Fixtures.settings(
              Map.of(
                  Secrets.ALLOWED,
                  "DB_PASSWORD, TOKEN,LOOKS_LIKE_*, EMPTY,DB_USER,MISSING",
                  "DB_PASSWORD",
                  "hunter2-long-secret",
                  "TOKEN",
                  "abc def",
                  "LOOKS_LIKE_A_REFERENCE",
                  "${env:DB_PASSWORD}",
                  "EMPTY",
                  "")));

  @Test
  void resolvesEveryReferenceInTheText() {
    assertThat(secrets.resolve("Bearer ${env:TOKEN} / ${env:DB_PASSWORD}"))
        .isEqualTo("Bearer abc def / hunter2-long-secret");
  }

  @Test
  void leavesTextWithoutReferencesAndNullAlone() {
    assertThat(secrets.resolve("jdbc:postgresql://db:5432/app"))
        .isEqualTo("jdbc:postgresql://db:5432/app");
    assertThat(secrets.resolve(null)).isNull();
  }

  @Test
  void neverResolvesAValueAgain() {
    assertThat(secrets.resolve("${env:LOOKS_LIKE_A_REFERENCE}")).isEqualTo("${env:DB_PASSWORD}");
  }

  @Test
  void anUnsetVariableIsANonRetryableInvalidRequestNamingIt() {
    EffectException f =
        effectFailure(() -> secrets.resolve("user=${env:DB_USER} password=${env:DB_PASSWORD}"));

    assertThat(f.type()).isEqualTo(FailureTypes.INVALID_REQUEST);
    assertThat(f.retryable()).isFalse();
    assertThat(f.getMessage()).isEqualTo("environment variable DB_USER is not set on the worker");
  }

  @Test
  void anUnsetVariableMessageHoldsNoValueResolvedBeforeIt() {
    EffectException f = effectFailure(() -> secrets.resolve("${env:DB_PASSWORD}:${env:MISSING}"));

    assertThat(f.getMessage()).doesNotContain("hunter2");
  }

  @Test
  void redactsEveryValueItHandedOut() {
    secrets.resolve("${env:DB_PASSWORD}");
    secrets.resolve("${env:TOKEN}");

    assertThat(
            secrets.redact(
                "FATAL: password hunter2-long-secret rejected; token abc def; again hunter2-long-secret"))
        .isEqualTo("FATAL: password *** rejected; token ***; again ***");
  }

  @Test
  void redactsTheUrlEncodedFormsToo() {
    secrets.resolve("${env:TOKEN}");

    assertThat(secrets.redact("GET /x?t=abc+def and /p/abc%20def"))
        .isEqualTo("GET /x?t=*** and /p/***");
  }

  @Test
  void redactsTheSecretPathOfAUrlHeldAsASecret() {
    Secrets withHook =
        new Secrets(
            Fixtures.settings(
                Map.of(
                    "HOOK",
                    "https://hooks.slack.com/services/T0/B0/XyZ123",
                    "PROM",
                    "http://prom:9090/",
                    Secrets.ALLOWED,
                    "HOOK,PROM")));
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

  // ------------------------------------------------------------------ CUTOVER_ALLOWED_SECRETS

  private static Secrets listing(String allowed) {
    return new Secrets(
        Fixtures.settings(
            Map.of(
                Secrets.ALLOWED,
                allowed,
                "APP_DB_PASSWORD",
                "app-db-pa55-1",
                "APP_TOKEN",
                "app-t0ken-2",
                "AWS_SECRET_ACCESS_KEY",
                "aws-s3cret-3",
                "CUTOVER_TEST_PG_PASSWORD",
                "pg-pa55-4",
                "TEMPORAL_API_KEY",
                "tk-5")));
  }

  @ParameterizedTest(name = "{0} allows {1}: {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "APP_DB_PASSWORD|APP_DB_PASSWORD|true",
        "APP_DB_PASSWORD|APP_TOKEN|false",
        "APP_*|APP_TOKEN|true",
        "APP_*|AWS_SECRET_ACCESS_KEY|false",
        "' APP_TOKEN , ,APP_DB_PASSWORD '|APP_DB_PASSWORD|true",
        "A*|AWS_SECRET_ACCESS_KEY|true",
        "C*|CUTOVER_TEST_PG_PASSWORD|false",
        "T*|TEMPORAL_API_KEY|false",
        "APP_TOKEN@flags.internal|APP_TOKEN|true",
        "app_token|APP_TOKEN|false"
      })
  void onlyWhatTheListNamesResolvesAndNeverTheWorkersOwnSettings(
      String allowed, String name, boolean resolves) {
    Secrets secrets = listing(allowed);

    assertThat(secrets.refusal(name) == null).isEqualTo(resolves);
    if (!resolves) {
      EffectException f = effectFailure(() -> secrets.resolve("${env:" + name + "}"));
      assertThat(f.type()).isEqualTo(FailureTypes.INVALID_REQUEST);
      assertThat(f.retryable()).isFalse();
      assertThat(f.getMessage())
          .startsWith("${env:" + name + "} ")
          .doesNotContain("pa55", "s3cret", "t0ken");
    }
  }

  @Test
  void theRefusalSaysWhyNamingTheSetting() {
    assertThat(new Secrets(Fixtures.settings(Map.of("TOKEN", "x"))).refusal("TOKEN"))
        .isEqualTo(
            "${env:TOKEN} is not allowed:"
                + " CUTOVER_ALLOWED_SECRETS is not set on this worker, so no ${env:...} reference resolves");
    assertThat(listing("APP_*").refusal("AWS_SECRET_ACCESS_KEY"))
        .isEqualTo(
            "${env:AWS_SECRET_ACCESS_KEY} is not"
                + " allowed: CUTOVER_ALLOWED_SECRETS does not list AWS_SECRET_ACCESS_KEY");
    assertThat(listing("C*").refusal("CUTOVER_TEST_PG_PASSWORD"))
        .isEqualTo(
            "${env:CUTOVER_TEST_PG_PASSWORD} is a"
                + " setting of the worker itself; no plan may read CUTOVER_* or TEMPORAL_* variables");
  }

  @ParameterizedTest(name = "\"{0}\"")
  @CsvSource(
      delimiter = '|',
      value = {
        "*|CUTOVER_ALLOWED_SECRETS: \"*\" would hand plans every variable of the worker (AWS_SECRET_ACCESS_KEY included); list names, or prefixes such as APP_*",
        "APP-TOKEN|CUTOVER_ALLOWED_SECRETS: \"APP-TOKEN\" is not a variable name or a prefix ending in * (e.g. APPDB_PASSWORD, APP_*, or FLAG_TOKEN@flags.internal)",
        "APP_*_X|CUTOVER_ALLOWED_SECRETS: \"APP_*_X\" is not a variable name or a prefix ending in * (e.g. APPDB_PASSWORD, APP_*, or FLAG_TOKEN@flags.internal)",
        "CUTOVER_TEST_PG_PASSWORD|CUTOVER_ALLOWED_SECRETS: \"CUTOVER_TEST_PG_PASSWORD\" names the worker's own settings; no plan may read CUTOVER_* or TEMPORAL_* variables",
        "TEMPORAL_*|CUTOVER_ALLOWED_SECRETS: \"TEMPORAL_*\" names the worker's own settings; no plan may read CUTOVER_* or TEMPORAL_* variables",
        "APP_TOKEN@|CUTOVER_ALLOWED_SECRETS: \"APP_TOKEN@\" has no host after the @",
        "APP_TOKEN@flags internal|CUTOVER_ALLOWED_SECRETS (APP_TOKEN@...): \"flags internal\" is not a host name, an IP address or a CIDR range (e.g. 10.0.0.0/8)",
        "APP_TOKEN@x.internal,APP_TOKEN|CUTOVER_ALLOWED_SECRETS: APP_TOKEN is listed both with and without @host; keep one way (with @host the secret goes only to the hosts listed)"
      })
  void aMalformedListStopsTheWorkerNamingTheEntry(String allowed, String message) {
    assertThatThrownBy(() -> listing(allowed))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @Test
  void aBoundSecretGoesOnlyToItsHostsByNameOrAddress() throws Exception {
    Secrets secrets = listing("APP_TOKEN@flags.internal, APP_TOKEN@10.20.0.0/16, APP_DB_PASSWORD");
    InetAddress inRange = InetAddress.getByName("10.20.1.2");
    InetAddress outside = InetAddress.getByName("10.30.1.2");

    assertThat(secrets.bound("APP_TOKEN")).isTrue();
    assertThat(secrets.bound("APP_DB_PASSWORD")).isFalse();
    assertThat(secrets.destinationRefusal(List.of("APP_TOKEN"), "flags.internal", outside))
        .isNull();
    assertThat(secrets.destinationRefusal(List.of("APP_TOKEN"), "other.internal", inRange))
        .isNull();
    assertThat(
            secrets.destinationRefusal(
                List.of("APP_DB_PASSWORD", "APP_TOKEN"), "other.internal", outside))
        .isEqualTo(
            "${env:APP_TOKEN} may be sent only to the hosts CUTOVER_ALLOWED_SECRETS binds it to, not to host"
                + " other.internal (10.30.1.2)");
    // As a plan writes it, without DNS: a name not listed may still resolve into the range.
    assertThat(secrets.destinationRefusal(List.of("APP_TOKEN"), "other.internal", null)).isNull();
    assertThat(secrets.destinationRefusal(List.of("APP_TOKEN"), "10.30.1.2", null))
        .isEqualTo(
            "${env:APP_TOKEN} may be"
                + " sent only to the hosts CUTOVER_ALLOWED_SECRETS binds it to, not to host 10.30.1.2");
    assertThat(Secrets.jdbcHosts("jdbc:postgresql://db1:5432,[::1]:5433,db3/app?ssl=true"))
        .containsExactly("db1", "[::1]", "db3");
    assertThat(Secrets.jdbcHosts("jdbc:postgresql:app")).containsExactly("localhost");
    assertThat(Secrets.jdbcHosts("${env:APP_DB_URL}")).isEmpty();
  }
}
