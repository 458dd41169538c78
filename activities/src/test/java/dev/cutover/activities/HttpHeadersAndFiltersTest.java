package dev.cutover.activities;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.cutover.engine.Reading;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Response headers and JSON path filters in HTTP checks, against a real HTTP server on loopback:
 * the full-pass runbook's Deprecation and Sunset headers, and the ops-view runbook's role-scope
 * smoke check (an analyst sees only their own items).
 */
class HttpHeadersAndFiltersTest {
  private HttpServer server;
  private CutoverActivitiesImpl activities;

  /** Response headers by path; the body of every answer is {@link #body}. */
  private final Map<String, Map<String, String>> headers = new ConcurrentHashMap<>();

  private volatile String body = "{}";

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        exchange -> {
          headers
              .getOrDefault(exchange.getRequestURI().getPath(), Map.of())
              .forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          byte[] b = body.getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, b.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(b);
          }
        });
    server.start();
    activities =
        new CutoverActivitiesImpl(
            Fixtures.settings("APP_TOKEN", "app-token-1"), Duration.ofSeconds(5));
  }

  @AfterEach
  void stop() {
    activities.close();
    server.stop(0);
  }

  private String base() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private Reading measure(String checkYaml) {
    return HttpSourceTest.measureOne(activities, base(), checkYaml);
  }

  private static final String DEPRECATED =
      """
      http: POST app:/process-full
      body: '{"user_id": "test"}'
      expect:
        status: 200
        headers: { Deprecation: "= true", Sunset: "= Sat, 01 Mar 2026 00:00:00 GMT", X-Old: absent }
      """;

  @Test
  void theDeprecationAndSunsetHeadersOfTheRunbookPass() {
    headers.put(
        "/process-full", Map.of("Deprecation", "true", "Sunset", "Sat, 01 Mar 2026 00:00:00 GMT"));
    assertThat(measure(DEPRECATED))
        .isEqualTo(Reading.expectations("probe", null, List.of(), "status 200"));
  }

  @Test
  void aMissingOrDifferentHeaderFailsNamingItButNotItsValue() {
    headers.put(
        "/process-full", Map.of("deprecation", "false", "X-Old", "session=s3cr3t-cookie-value"));
    Reading r = measure(DEPRECATED);
    assertThat(r.unmet())
        .containsExactly(
            "header Deprecation is sent with another value, expected = true",
            "header Sunset is not sent, expected = Sat, 01 Mar 2026 00:00:00 GMT",
            "header X-Old is sent with another value, expected absent");
    assertThat(String.join(" ", r.unmet())).doesNotContain("s3cr3t");
  }

  @Test
  void presentAndContainsMatchAnyValueOfTheHeaderWhateverTheCaseOfItsName() {
    headers.put("/h", Map.of("LINK", "<https://api/v2>; rel=\"successor-version\""));
    Reading r =
        measure(
            """
            http: GET app:/h
            expect: { headers: { link: present, Link: "contains rel=\\"successor-version\\"" } }
            """);
    assertThat(r.unmet()).isEmpty();
  }

  private static final String ROLE_SCOPED =
      """
      http: GET app:/api/v2.5/workspaces/ws1/patches
      headers: { Authorization: "Bearer ${env:APP_TOKEN}" }
      expect: { status: 200, json: { "$.data[?(@.author_id != 'analyst-1')]": [] } }
      """;

  @Test
  void theRoleScopeSmokeCheckPassesWhenTheAnalystSeesOnlyTheirOwnItems() {
    body =
        "{\"data\": [{\"id\": 1, \"author_id\": \"analyst-1\"}, {\"id\": 2, \"author_id\":"
            + " \"analyst-1\"}]}";
    assertThat(measure(ROLE_SCOPED).unmet()).isEmpty();
  }

  @Test
  void theRoleScopeSmokeCheckFailsShowingTheItemsOfOthers() {
    body =
        "{\"data\": [{\"id\": 1, \"author_id\": \"analyst-1\"}, {\"id\": 2, \"author_id\":"
            + " \"admin\"}]}";
    assertThat(measure(ROLE_SCOPED).unmet())
        .containsExactly(
            "$.data[?(@.author_id != 'analyst-1')] is [{\"id\":2,\"author_id\":\"admin\"}],"
                + " expected []");
  }

  @Test
  void aFunctionGivesTheNumberAValueIsJudgedBy() {
    body = "{\"data\": {\"counts\": {\"total\": 12}, \"items\": [1, 2, 3]}}";
    Reading r =
        measure(
            """
            http: GET app:/q
            value: "$.data.items.length()"
            pass: ">= 1"
            """);
    assertThat(r).isEqualTo(Reading.value("probe", 3.0, "status 200"));
  }
}
