package dev.cutover.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Headless Chromium driven through Debian's chromedriver with the W3C WebDriver protocol (plain
 * JSON over HTTP: no client library needed), as a person would use a page: find by what it says,
 * click, type.
 */
final class WebDriver implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

  private final Process driver;
  private final HttpClient http = HttpClient.newHttpClient();
  private final String base;
  private final String session;

  WebDriver(String chromium, int port, Path logDir) throws Exception {
    driver =
        new ProcessBuilder("chromedriver", "--port=" + port)
            .redirectErrorStream(true)
            .redirectOutput(logDir.resolve("chromedriver.log").toFile())
            .start();
    base = "http://127.0.0.1:" + port;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        if (call("GET", "/status", null).path("value").path("ready").asBoolean()) {
          break;
        }
      } catch (IOException e) {
        // not listening yet
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("chromedriver did not start; see chromedriver.log");
      }
      Thread.sleep(200);
    }
    ObjectNode caps = JSON.createObjectNode();
    ObjectNode options =
        caps.putObject("capabilities")
            .putObject("alwaysMatch")
            .put("browserName", "chrome")
            .putObject("goog:chromeOptions");
    options.put("binary", chromium);
    var args = options.putArray("args");
    for (String a :
        List.of(
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--window-size=1400,1100",
            "--user-data-dir=" + logDir.resolve("chromium-profile"))) {
      args.add(a);
    }
    session = call("POST", "/session", caps).path("value").path("sessionId").asText();
  }

  private JsonNode call(String method, String path, JsonNode body)
      throws IOException, InterruptedException {
    HttpRequest.Builder r =
        HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(120));
    r =
        body == null
            ? r.method(method, HttpRequest.BodyPublishers.noBody())
            : r.method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                .header("Content-Type", "application/json");
    HttpResponse<String> response = http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    JsonNode answer = JSON.readTree(response.body());
    if (response.statusCode() != 200) {
      throw new IllegalStateException(
          method + " " + path + ": " + answer.path("value").path("message").asText());
    }
    return answer;
  }

  private JsonNode session(String method, String path, JsonNode body) throws Exception {
    return call(method, "/session/" + session + path, body);
  }

  void open(String url) throws Exception {
    session("POST", "/url", JSON.createObjectNode().put("url", url));
  }

  String source() throws Exception {
    return session("GET", "/source", null).path("value").asText();
  }

  /** The page's visible text. */
  String text() throws Exception {
    return script("return document.body.innerText;").asText();
  }

  /** The visible text of the frame {@code iframe} (an element id), read inside the frame. */
  String frameText(String iframe) throws Exception {
    ObjectNode id = JSON.createObjectNode();
    id.putObject("id").put(ELEMENT, iframe);
    session("POST", "/frame", id);
    try {
      return text();
    } finally {
      session("POST", "/frame/parent", JSON.createObjectNode());
    }
  }

  JsonNode script(String js, Object... args) throws Exception {
    ObjectNode body = JSON.createObjectNode().put("script", js);
    var a = body.putArray("args");
    for (Object o : args) {
      a.add(
          o instanceof String e && e.startsWith("@")
              ? JSON.createObjectNode().put(ELEMENT, e.substring(1))
              : JSON.valueToTree(o));
    }
    return session("POST", "/execute/sync", body).path("value");
  }

  /** The first element {@code xpath} finds, waiting up to {@code timeout}; its id. */
  String find(String xpath, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      JsonNode found =
          session(
              "POST",
              "/elements",
              JSON.createObjectNode().put("using", "xpath").put("value", xpath));
      for (JsonNode e : found.path("value")) {
        return e.path(ELEMENT).asText();
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("nothing on the page matches " + xpath);
      }
      Thread.sleep(250);
    }
  }

  /**
   * The first element {@code xpath} finds that is displayed, waiting up to {@code timeout}; its id.
   * The Temporal UI renders some parts twice (one copy hidden, for the other screen size).
   */
  String findVisible(String xpath, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      for (String e : findAll(xpath)) {
        if (displayed(e)) {
          return e;
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("nothing displayed on the page matches " + xpath);
      }
      Thread.sleep(250);
    }
  }

  boolean displayed(String element) throws Exception {
    return session("GET", "/element/" + element + "/displayed", null).path("value").asBoolean();
  }

  /** The rendered text of {@code element}. */
  String text(String element) throws Exception {
    return session("GET", "/element/" + element + "/text", null).path("value").asText();
  }

  /** Every element {@code xpath} finds now; their ids. */
  List<String> findAll(String xpath) throws Exception {
    JsonNode found =
        session(
            "POST", "/elements", JSON.createObjectNode().put("using", "xpath").put("value", xpath));
    List<String> ids = new java.util.ArrayList<>();
    for (JsonNode e : found.path("value")) {
      ids.add(e.path(ELEMENT).asText());
    }
    return ids;
  }

  /**
   * Clicks {@code element}; one the driver deems not interactable (covered by a transition, an
   * overlay) is clicked by the page's own click().
   */
  void click(String element) throws Exception {
    try {
      session("POST", "/element/" + element + "/click", JSON.createObjectNode());
    } catch (IllegalStateException e) {
      if (!String.valueOf(e.getMessage()).contains("not interactable")) {
        throw e;
      }
      script("arguments[0].scrollIntoView(); arguments[0].click();", "@" + element);
    }
  }

  void type(String element, String text) throws Exception {
    try {
      session("POST", "/element/" + element + "/value", JSON.createObjectNode().put("text", text));
    } catch (IllegalStateException e) {
      if (!String.valueOf(e.getMessage()).contains("not interactable")) {
        throw e;
      }
      script("arguments[0].focus();", "@" + element);
      session("POST", "/element/" + element + "/value", JSON.createObjectNode().put("text", text));
    }
  }

  void screenshot(Path png) throws Exception {
    Files.write(
        png,
        Base64.getDecoder().decode(session("GET", "/screenshot", null).path("value").asText()));
  }

  @Override
  public void close() {
    try {
      session("DELETE", "", null);
    } catch (Exception e) {
      // the driver goes anyway
    }
    driver.destroy();
  }
}
