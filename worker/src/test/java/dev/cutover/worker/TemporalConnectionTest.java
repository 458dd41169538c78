package dev.cutover.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Secured connections to Temporal, configured as Temporal's own tools are, against a local gRPC
 * endpoint over TLS ({@link TlsStandIn}): what the worker and the CLI send is what the endpoint
 * sees.
 */
class TemporalConnectionTest {
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  @TempDir Path dir;

  /** Calls the endpoint once the way the worker connects; the status it answered. */
  private static Status call(TemporalSettings settings) {
    WorkflowServiceStubs stubs =
        WorkflowServiceStubs.newServiceStubs(
            settings.connection().stubsOptions(settings.address()).build());
    try {
      stubs.blockingStub().getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
      return Status.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    } finally {
      stubs.shutdownNow();
    }
  }

  private static Map<String, String> env(String... pairs) {
    Map<String, String> env = new HashMap<>();
    for (int i = 0; i + 1 < pairs.length; i += 2) {
      env.put(pairs[i], pairs[i + 1]);
    }
    env.put("HOME", "/nonexistent-home"); // no profile file of the machine's user
    return env;
  }

  @Test
  void anApiKeyIsSentAsABearerTokenOverTls() throws Exception {
    try (TlsStandIn server = TlsStandIn.start(dir, false)) {
      TemporalSettings s =
          TemporalSettings.fromEnvironment(
              env(
                  "TEMPORAL_ADDRESS",
                  server.address(),
                  "TEMPORAL_NAMESPACE",
                  "team-a.a1b2c",
                  "TEMPORAL_API_KEY",
                  "k3y-for-the-test",
                  "TEMPORAL_TLS_SERVER_CA_CERT_PATH",
                  server.file("ca.pem").toString()));

      Status status = call(s);

      assertThat(status.getCode()).as(status.toString()).isEqualTo(Status.Code.UNIMPLEMENTED);
      assertThat(status.getDescription()).isEqualTo("stand-in");
      assertThat(server.calls).hasSize(1);
      assertThat(server.calls.get(0).method())
          .isEqualTo("temporal.api.workflowservice.v1.WorkflowService/GetSystemInfo");
      assertThat(server.calls.get(0).headers().get(AUTHORIZATION))
          .isEqualTo("Bearer k3y-for-the-test");
      assertThat(s.namespace()).isEqualTo("team-a.a1b2c");
      assertThat(s.connection().describe()).isEqualTo("TLS, API key").doesNotContain("k3y");
    }
  }

  @Test
  void mutualTlsPresentsTheClientCertificate() throws Exception {
    try (TlsStandIn server = TlsStandIn.start(dir, true)) {
      TemporalSettings s =
          TemporalSettings.fromEnvironment(
              env(
                  "TEMPORAL_ADDRESS", server.address(),
                  "TEMPORAL_TLS_CLIENT_CERT_PATH", server.file("client.pem").toString(),
                  "TEMPORAL_TLS_CLIENT_KEY_PATH", server.file("client.key").toString(),
                  "TEMPORAL_TLS_SERVER_CA_CERT_PATH", server.file("ca.pem").toString(),
                  "TEMPORAL_TLS_SERVER_NAME", "localhost"));

      Status status = call(s);

      assertThat(status.getCode()).as(status.toString()).isEqualTo(Status.Code.UNIMPLEMENTED);
      assertThat(server.calls.get(0).clientSubject()).isEqualTo("CN=cutover-worker");
      assertThat(server.calls.get(0).headers().get(AUTHORIZATION)).isNull();
      assertThat(s.connection().describe()).isEqualTo("mutual TLS");
    }
  }

  @Test
  void aServerThatTheCaDoesNotVouchForIsNotTalkedTo() throws Exception {
    try (TlsStandIn server = TlsStandIn.start(dir, false)) {
      // TLS on, but trusting only the system's CAs: the stand-in's certificate is refused.
      TemporalSettings s =
          TemporalSettings.fromEnvironment(
              env("TEMPORAL_ADDRESS", server.address(), "TEMPORAL_API_KEY", "k3y-for-the-test"));

      Status status = call(s);

      assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(server.calls).isEmpty();
    }
  }

  @Test
  void withoutAClientCertificateAMutualTlsServerRefuses() throws Exception {
    try (TlsStandIn server = TlsStandIn.start(dir, true)) {
      TemporalSettings s =
          TemporalSettings.fromEnvironment(
              env(
                  "TEMPORAL_ADDRESS", server.address(),
                  "TEMPORAL_TLS", "true",
                  "TEMPORAL_TLS_SERVER_CA_CERT_PATH", server.file("ca.pem").toString()));

      assertThat(call(s).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(server.calls).isEmpty();
    }
  }

  @Test
  void theProfileFileConfiguresTheConnectionAndTheVariablesOverrideIt() throws Exception {
    try (TlsStandIn server = TlsStandIn.start(dir, false)) {
      Path toml = dir.resolve("temporal.toml");
      Files.writeString(
          toml,
          """
          [profile.default]
          address = "localhost:7233"

          [profile.prod]
          address = "%s"
          namespace = "payments.a1b2c"
          api_key = "from-the-file"

          [profile.prod.tls]
          server_ca_cert_path = "%s"
          """
              .formatted(server.address(), server.file("ca.pem")));
      Map<String, String> env =
          env("TEMPORAL_CONFIG_FILE", toml.toString(), "TEMPORAL_PROFILE", "prod");

      TemporalSettings fromFile = TemporalSettings.fromEnvironment(env);
      assertThat(fromFile.address()).isEqualTo(server.address());
      assertThat(fromFile.namespace()).isEqualTo("payments.a1b2c");
      assertThat(call(fromFile).getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
      assertThat(server.calls.get(0).headers().get(AUTHORIZATION))
          .isEqualTo("Bearer from-the-file");

      env.put("TEMPORAL_API_KEY", "from-the-environment");
      env.put("TEMPORAL_NAMESPACE", "payments-staging.a1b2c");
      TemporalSettings overridden = TemporalSettings.fromEnvironment(env);
      assertThat(overridden.namespace()).isEqualTo("payments-staging.a1b2c");
      call(overridden);
      assertThat(server.calls.get(1).headers().get(AUTHORIZATION))
          .isEqualTo("Bearer from-the-environment");
      assertThat(overridden.connection().describe())
          .isEqualTo("TLS, API key, profile file " + toml);
    }
  }

  @Test
  void withoutAnySettingItIsThePlainLocalServer() {
    TemporalSettings s = TemporalSettings.fromEnvironment(env());

    assertThat(s.address()).isEqualTo("localhost:7233");
    assertThat(s.namespace()).isEqualTo("default");
    assertThat(s.connection().tls()).isFalse();
    assertThat(s.connection().describe()).isEqualTo("plaintext");
  }

  @Test
  void badSettingsNameTheVariable() throws Exception {
    Path notPem = Files.writeString(dir.resolve("ca.pem"), "not a certificate\n");
    Path cert = Files.writeString(dir.resolve("client.pem"), "x\n");
    Path badToml = Files.writeString(dir.resolve("bad.toml"), "[profile.default\naddress = \n");
    Path toml = Files.writeString(dir.resolve("t.toml"), "[profile.default]\naddress = \"a:1\"\n");
    List<List<String>> cases =
        List.of(
            List.of("TEMPORAL_TLS", "maybe", "TEMPORAL_TLS=maybe is not true or false"),
            List.of(
                "TEMPORAL_TLS_DISABLE_HOST_VERIFICATION",
                "yes please",
                "TEMPORAL_TLS_DISABLE_HOST_VERIFICATION=yes please is not true or false"),
            List.of(
                "TEMPORAL_TLS_CLIENT_CERT_PATH",
                "/no/such/cert.pem",
                "TEMPORAL_TLS_CLIENT_CERT_PATH=/no/such/cert.pem: no such file"),
            List.of(
                "TEMPORAL_TLS_CLIENT_CERT_PATH",
                cert.toString(),
                "TEMPORAL_TLS_CLIENT_KEY_PATH is not set: a client certificate and its key go"
                    + " together"),
            List.of(
                "TEMPORAL_TLS_SERVER_CA_CERT_PATH",
                notPem.toString(),
                "the TLS settings (TEMPORAL_TLS_CLIENT_CERT_PATH, TEMPORAL_TLS_CLIENT_KEY_PATH,"
                    + " TEMPORAL_TLS_SERVER_CA_CERT_PATH) do not make a TLS context"),
            List.of(
                "TEMPORAL_CONFIG_FILE",
                "/no/such/temporal.toml",
                "TEMPORAL_CONFIG_FILE=/no/such/temporal.toml: no such file"),
            List.of(
                "TEMPORAL_CONFIG_FILE",
                badToml.toString(),
                "TEMPORAL_CONFIG_FILE=" + badToml + ": not a Temporal client profile file"),
            List.of(
                "TEMPORAL_ADDRESS",
                "temporal.example.com",
                "TEMPORAL_ADDRESS=temporal.example.com is not host:port"));
    for (List<String> c : cases) {
      assertThatThrownBy(
              () ->
                  TemporalSettings.fromEnvironment(
                      env(c.get(0), c.get(1), "TEMPORAL_API_KEY", "s3cret-key")))
          .as(c.get(0) + "=" + c.get(1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith(c.get(2))
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cret-key"));
    }
    assertThatThrownBy(
            () ->
                TemporalSettings.fromEnvironment(
                    env("TEMPORAL_CONFIG_FILE", toml.toString(), "TEMPORAL_PROFILE", "prod")))
        .hasMessage("TEMPORAL_PROFILE=prod: " + toml + " has no such profile");
  }

  @Test
  void theWorkerExitsTwoOnABadConnectionSettingNamingIt() throws Exception {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        WorkerMain.run(
            List.of(),
            env("TEMPORAL_TLS", "sometimes", "TEMPORAL_API_KEY", "s3cret-key"),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));

    assertThat(code).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .isEqualTo("cutover-worker: TEMPORAL_TLS=sometimes is not true or false\n");
  }
}
