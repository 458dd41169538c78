package dev.cutover.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.cutover.engine.Status;
import dev.cutover.testing.TestServices;
import dev.cutover.worker.CutoverWorker;
import dev.cutover.worker.WorkerConfig;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * The Temporal UI as the cutover's console, as a person uses it: the dev server with its UI, a real
 * worker in this process measuring a loopback HTTP service, a cutover started with {@code cutover
 * start}, and headless Chromium (Debian's, through chromedriver) on the workflow's page. The person
 * sees the summary, the details and the current details (stage, soak, each gate against its
 * threshold, who must approve and how); the approval sent as the details say, from the UI's own
 * "Send a Signal" dialog, moves the cutover on.
 */
class TemporalUiTest {
  static final String PLAN =
      """
      version: 1
      name: %s
      connections:
        app: { http: "http://127.0.0.1:%d" }
      checks:
        errors: { http: "GET app:/errors", value: "$.rate", pass: "< 0.01" }
      traffic:
        set: { http: "PUT app:/traffic", body: '{"percent": ${percent}}' }
      approvals: { approvers: [alice, bob] }
      stages:
        - { name: canary, percent: 10, soak: 2s, every: 1s, gates: [errors], approval: true }
        - { name: full, percent: 100, soak: 2s, every: 1s, gates: [errors] }
      """;

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aPersonSeesTheCurrentDetailsInTheUiAndTheApprovalTheyShowMovesTheCutoverOn()
      throws Exception {
    String temporal = TestServices.require("CUTOVER_TEST_TEMPORAL_BIN");
    String chromium = TestServices.require("CUTOVER_TEST_CHROMIUM_BIN");
    Path dir = Files.createDirectories(Path.of("target", "ui-test"));
    DevServer dev = startDevServer(temporal, dir);
    Process server = dev.process();
    int uiPort = dev.uiPort();
    String address = "127.0.0.1:" + dev.port();
    HttpServer app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    List<String> traffic = new ArrayList<>();
    app.createContext(
        "/",
        x -> {
          byte[] body =
              x.getRequestURI().getPath().equals("/errors")
                  ? "{\"rate\": 0.002}".getBytes(StandardCharsets.UTF_8)
                  : "{}".getBytes(StandardCharsets.UTF_8);
          if (x.getRequestMethod().equals("PUT")) {
            synchronized (traffic) {
              traffic.add(new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            }
          }
          x.getResponseHeaders().add("Content-Type", "application/json");
          x.sendResponseHeaders(200, body.length);
          x.getResponseBody().write(body);
          x.close();
        });
    app.start();
    String name = "ui-" + UUID.randomUUID().toString().substring(0, 6);
    String queue = "ui-" + name;
    Path planFile = dir.resolve(name + ".yaml");
    Files.writeString(planFile, PLAN.formatted(name, app.getAddress().getPort()));
    Map<String, String> env = new HashMap<>();
    env.put("TEMPORAL_ADDRESS", address);
    env.put("CUTOVER_TASK_QUEUE", queue);
    env.put("CUTOVER_ALLOWED_HOSTS", "127.0.0.1");
    CutoverWorker worker = null;
    WorkflowServiceStubs service = null;
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (worker == null) {
        try {
          worker = CutoverWorker.start(WorkerConfig.fromEnvironment(env));
        } catch (RuntimeException e) {
          if (System.nanoTime() > deadline || !server.isAlive()) {
            throw e;
          }
          Thread.sleep(500);
        }
      }
      service =
          WorkflowServiceStubs.newServiceStubs(
              WorkflowServiceStubsOptions.newBuilder().setTarget(address).build());
      WorkflowClient client = WorkflowClient.newInstance(service);

      Cli.Result started =
          Cli.run(
              "start",
              planFile.toString(),
              "--by",
              "carol",
              "--address",
              address,
              "--task-queue",
              queue,
              "--output",
              "json");
      assertThat(started.exit()).as(started.err()).isZero();
      JsonNode ids = JSON.readTree(started.out());
      String workflowId = ids.path("workflowId").asText();
      String runId = ids.path("runId").asText();
      waitFor(
          client, workflowId, s -> s.state().equals("AWAITING_APPROVAL"), Duration.ofSeconds(90));

      try (WebDriver browser = new WebDriver(chromium, TestServices.freePort(), dir)) {
        waitForUi(uiPort);
        String page =
            "http://127.0.0.1:"
                + uiPort
                + "/namespaces/default/workflows/"
                + workflowId
                + "/"
                + runId
                + "/history";
        String userMetadataTab =
            "//a[normalize-space(.)='User Metadata'] | //button[normalize-space(.)='User"
                + " Metadata']";
        browser.open(page);
        try {
          browser.click(browser.find(userMetadataTab, Duration.ofSeconds(60)));
          String summary =
              browser.frameText(
                  browser.find("//iframe[@id='user-metadata-summary']", Duration.ofSeconds(60)));
          String details =
              browser.frameText(
                  browser.find("//iframe[@id='user-metadata-details']", Duration.ofSeconds(10)));
          String current = "";
          long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
          while (!current.contains("Waiting for approval") && System.nanoTime() < until) {
            current =
                browser.frameText(
                    browser.find(
                        "//iframe[@id='user-metadata-current-details']", Duration.ofSeconds(10)));
          }
          browser.screenshot(dir.resolve("1-current-details.png"));
          Files.writeString(dir.resolve("1-current-details.txt"), current);
          assertThat(summary)
              .contains("cutover " + name + " by carol: canary 10% 2s, full 100% 2s");
          assertThat(details).contains("Plan " + name + ", started by carol.");
          assertThat(current)
              .contains(
                  name + ": AWAITING_APPROVAL",
                  "Stage 1 of 2: canary: 10% of traffic",
                  "Soak: 2s, met",
                  "Waiting for approval of stage canary from alice or bob.",
                  "cutover approve " + name + " --stage canary --by NAME",
                  "here: Send a Signal, signal approve, input {\"by\":\"NAME\",\"stage\":\"canary\"}")
              .containsPattern(
                  "\\(gate\\)\\s+errors\\s+0\\.002\\s+< 0\\.01 \\[critical\\]\\s+PASS");

          // The approval, sent as the details say, from the UI's own "Send a Signal" dialog.
          String input =
              current
                  .lines()
                  .filter(l -> l.contains("here: Send a Signal, signal approve, input "))
                  .findFirst()
                  .orElseThrow()
                  .replaceFirst(".*input ", "")
                  .strip()
                  .replace("NAME", "alice");
          assertThat(input).isEqualTo("{\"by\":\"alice\",\"stage\":\"canary\"}");
          approveFromTheUi(browser, dir, input);
          Status moved =
              waitFor(
                  client,
                  workflowId,
                  st -> st.state().equals("COMPLETED") || st.stage().name().equals("full"),
                  Duration.ofSeconds(90));
          assertThat(moved.decisions())
              .anySatisfy(
                  d -> {
                    assertThat(d.by()).isEqualTo("alice");
                    assertThat(d.accepted()).isTrue();
                    assertThat(d.text()).contains("canary");
                  });
          // The person sees it in the UI too, once the page is read again (the open tab keeps the
          // details it loaded): the current details have moved on to the next stage.
          String after = "";
          long seen = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
          while (!after.contains("Stage 2 of 2: full") && System.nanoTime() < seen) {
            browser.open(page);
            browser.click(browser.find(userMetadataTab, Duration.ofSeconds(60)));
            try {
              after =
                  browser.frameText(
                      browser.find(
                          "//iframe[@id='user-metadata-current-details']", Duration.ofSeconds(60)));
            } catch (IllegalStateException e) {
              // the page put in a new frame while it loaded: read again
              if (!String.valueOf(e.getMessage()).contains("stale element")) {
                throw e;
              }
            }
          }
          Files.writeString(dir.resolve("4-moved-on.txt"), after);
          assertThat(after).contains("Stage 2 of 2: full").doesNotContain("Waiting for approval");
        } catch (RuntimeException | AssertionError e) {
          browser.screenshot(dir.resolve("failed.png"));
          Files.writeString(dir.resolve("failed.html"), browser.source());
          throw e;
        }
      }
    } finally {
      if (worker != null) {
        worker.close();
      }
      if (service != null) {
        service.shutdownNow();
      }
      app.stop(0);
      server.destroy();
      server.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /**
   * Sends the approval {@code input} as a person does in the UI (2.54): "More Actions", "Send a
   * Signal", {@code approve} chosen from the list the workflow's signal descriptions fill, the JSON
   * typed into the Data editor, Submit; the dialog closes once the server took the signal.
   */
  private static void approveFromTheUi(WebDriver browser, Path dir, String input) throws Exception {
    String signal = "approve";
    Duration wait = Duration.ofSeconds(30);
    browser.click(browser.findVisible("//button[@aria-controls='workflow-actions']", wait));
    browser.click(
        browser.findVisible(
            "//ul[@id='workflow-actions']//li[@data-testid='signal-button']", wait));
    String dialog = "//dialog[@id='signal-confirmation-modal' and @open]";
    browser.click(
        browser.findVisible(dialog + "//button[@data-testid='signal-select-button']", wait));
    String option =
        browser.findVisible(
            dialog + "//li[@role='option'][.//span[normalize-space(.)='" + signal + "']]", wait);
    assertThat(browser.text(option)).contains("Approve the current stage: {\"by\":\"NAME\"");
    browser.click(option);
    assertThat(
            browser
                .script(
                    "return arguments[0].value;",
                    "@" + browser.findVisible(dialog + "//input[@id='signal-select']", wait))
                .asText())
        .isEqualTo(signal);
    String data = browser.findVisible(dialog + "//*[@role='textbox' and @aria-label='Data']", wait);
    browser.click(data);
    browser.type(data, input);
    // Leave the editor before Submit, as a person tabbing out does: it reformats the JSON when it
    // loses focus, and a click on Submit straight from the editor only did that and sent nothing.
    browser.script("document.activeElement.blur();");
    Thread.sleep(500);
    assertThat(JSON.readTree(browser.text(data))).isEqualTo(JSON.readTree(input));
    browser.screenshot(dir.resolve("2-send-a-signal.png"));
    browser.click(
        browser.findVisible(dialog + "//button[@data-testid='confirm-modal-button']", wait));
    long until = System.nanoTime() + wait.toNanos();
    while (!browser.findAll(dialog).isEmpty()) {
      if (System.nanoTime() > until) {
        throw new AssertionError("the Send a Signal dialog did not close after Submit");
      }
      Thread.sleep(250);
    }
    browser.findVisible("//*[normalize-space(text())='Workflow signaled.']", wait);
    browser.screenshot(dir.resolve("3-signal-sent.png"));
  }

  /** A dev server with its UI, on the ports it listens on. */
  private record DevServer(Process process, int port, int uiPort) {}

  /**
   * Starts {@code temporal server start-dev} with its UI on free ports, once more on other ports if
   * it exits before it listens: on this shared machine another process can take a port between the
   * moment it is found free and the server's bind ("address already in use").
   */
  private static DevServer startDevServer(String temporal, Path dir) throws Exception {
    for (int attempt = 1; ; attempt++) {
      int port = TestServices.freePort();
      int uiPort = TestServices.freePort();
      List<String> cmd =
          new ArrayList<>(
              List.of(
                  temporal,
                  "server",
                  "start-dev",
                  "--ip",
                  "127.0.0.1",
                  "--port",
                  "" + port,
                  "--ui-port",
                  "" + uiPort,
                  "--http-port",
                  "" + TestServices.freePort(),
                  "--metrics-port",
                  "" + TestServices.freePort(),
                  "--log-level",
                  "error"));
      for (String sa :
          List.of(
              "CutoverPlan=Keyword",
              "CutoverStage=Keyword",
              "CutoverState=Keyword",
              "CutoverPercent=Int")) {
        cmd.add("--search-attribute");
        cmd.add(sa);
      }
      Process server =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("temporal.log").toFile())
              .start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (server.isAlive() && System.nanoTime() < deadline && !listening(port)) {
        Thread.sleep(200);
      }
      if (server.isAlive()) {
        return new DevServer(server, port, uiPort);
      }
      if (attempt == 3) {
        throw new IllegalStateException(
            "the dev server exited " + attempt + " times before it listened; see temporal.log");
      }
    }
  }

  private static boolean listening(int port) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      return true;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  private static void waitForUi(int uiPort) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        if (http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + uiPort + "/")).build(),
                    HttpResponse.BodyHandlers.discarding())
                .statusCode()
            < 500) {
          return;
        }
      } catch (java.io.IOException e) {
        // not yet
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the dev server's UI did not answer");
      }
      Thread.sleep(250);
    }
  }

  private static Status waitFor(
      WorkflowClient client, String workflowId, Predicate<Status> until, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Status s = null;
    while (System.nanoTime() < deadline) {
      try {
        s = client.newUntypedWorkflowStub(workflowId).query("status", Status.class);
        if (s != null && until.test(s)) {
          return s;
        }
      } catch (RuntimeException e) {
        // not answering yet
      }
      Thread.sleep(300);
    }
    throw new AssertionError("cutover never got there; last status: " + s);
  }
}
