package dev.cutover.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.testing.TestServices;
import dev.cutover.workflows.LedgerEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report as a person sees it: rendered by headless Chromium (Debian's package, {@code
 * CUTOVER_TEST_CHROMIUM_BIN}), offline, and the DOM it leaves checked for what a person looks for.
 */
class HtmlReportTest {
  @TempDir Path dir;

  static String chromium() {
    return TestServices.require("CUTOVER_TEST_CHROMIUM_BIN");
  }

  /** Runs Chromium headless, offline, on {@code html} with {@code args}; returns its stdout. */
  static String chromium(Path html, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.addAll(
        List.of(
            chromium(),
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--user-data-dir=" + html.getParent().resolve("chromium-profile"),
            // Offline: any request leaving the file would fail (the report must need none).
            "--proxy-server=http://127.0.0.1:9",
            "--virtual-time-budget=5000"));
    cmd.addAll(List.of(args));
    cmd.add(html.toUri().toString());
    Process p =
        new ProcessBuilder(cmd)
            .redirectError(html.getParent().resolve("chromium.log").toFile())
            .start();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(90, TimeUnit.SECONDS)).isTrue();
    return new String(out, StandardCharsets.UTF_8);
  }

  static Path story(Path dir, List<LedgerEntry> entries) throws IOException {
    try (LedgerDb db = new LedgerDb()) {
      var ds = LedgerWriter.dataSource(db.settings(null));
      LedgerSchema.migrate(ds);
      new LedgerStore(ds).write(LedgerStoreTest.batch("run-1", entries));
      ReportData data = ReportData.load(db.jdbi(), "shop").orElseThrow();
      Path html = dir.resolve("report.html");
      Files.writeString(
          html, HtmlReport.render(data, LedgerStoreTest.T0 + 30 * LedgerStoreTest.HOUR));
      return html;
    }
  }

  @Test
  void theReportRendersOfflineWithItsChartsBreachesRollbackApprovalsAndEffects() throws Exception {
    Path html = story(dir, LedgerStoreTest.STORY);
    String page = Files.readString(html);
    assertThat(page)
        .doesNotContain("<script src")
        .doesNotContain("<link ")
        .doesNotContain("https://cdn");

    String dom = chromium(html, "--dump-dom");
    assertThat(attr(dom, "data-rendered")).isEqualTo("true");
    // The traffic chart and one per check (ok_rate, errors), each a uPlot canvas.
    assertThat(attr(dom, "data-charts")).isEqualTo("3");
    assertThat(count(dom, "class=\"uplot")).isEqualTo(3);
    assertThat(attr(dom, "data-breaches")).isEqualTo("1");
    String text = text(dom);
    assertThat(text)
        .contains("Cutover shop: ROLLED_BACK")
        .contains("started 2023-11-14 22:13:20Z by carol")
        .contains("canary (24.0 h) half (2.0 h)")
        .contains("errors (gate) pass: < 0.05")
        .contains("1 measurements, 1 failing (red points)")
        // the rollback and its cause
        .contains("errors breached: 0.3 is not < 0.05 engine errors = 0.3 (pass < 0.05)")
        // approvals: who, when, whether it counted, what the gates showed then
        .contains("eve canary no: eve is not an approver")
        .contains("alice canary yes ok_rate = 99 PASS (pass >= 95) at 2023-11-14 23:13:20Z")
        // every effect
        .contains("canary traffic 10% done");

    Path pdf = dir.resolve("report.pdf");
    chromium(html, "--print-to-pdf=" + pdf, "--no-pdf-header-footer");
    byte[] printed = Files.readAllBytes(pdf);
    assertThat(new String(printed, 0, 5, StandardCharsets.ISO_8859_1)).isEqualTo("%PDF-");
    assertThat(printed.length).isGreaterThan(20_000); // charts, not blank pages
  }

  @Test
  void textFromSignalsAndPlansIsShownAsTextNeverAsMarkup() throws Exception {
    List<LedgerEntry> entries = new ArrayList<>(LedgerStoreTest.STORY);
    entries.add(
        LedgerStoreTest.decided(
            12,
            LedgerStoreTest.T0 + 27 * LedgerStoreTest.HOUR,
            "half",
            "<img src=x onerror=document.body.setAttribute('data-owned','1')>",
            "approve",
            false,
            "</script><script>document.body.setAttribute('data-owned','2')</script>"));
    Path html = story(dir, entries);
    String dom = chromium(html, "--dump-dom");
    assertThat(attr(dom, "data-rendered")).isEqualTo("true");
    assertThat(dom).doesNotContain("<img").doesNotContain("data-owned=\"");
    assertThat(text(dom))
        .contains(
            "<img src=x onerror=document.body.setAttribute('data-owned','1')> half no:"
                + " </script><script>document.body.setAttribute('data-owned','2')</script>");
  }

  /**
   * The seed-001 plan's ~17 days (examples/full-pass-v2.yaml: error_rate every minute,
   * stuck_imports every 10 minutes, p95_minutes hourly, the stages' gates): ~27,500 measurements.
   * The figures go to the test's output.
   */
  @Test
  void aSeventeenDayCutoverMakesAReportOfAFewMegabytesThatRendersInSeconds() throws Exception {
    long minute = 60_000L;
    long days = 17;
    List<LedgerEntry> entries = new ArrayList<>();
    long seq = 0;
    String[] stages = {"canary", "half", "full", "deprecate"};
    long[] startsAt = {0, 24 * 60, 72 * 60, 240 * 60};
    for (int s = 0; s < stages.length; s++) {
      entries.add(
          LedgerStoreTest.stage(
              ++seq,
              LedgerStoreTest.T0 + startsAt[s] * minute,
              stages[s],
              "SOAKING",
              10 * (s + 1)));
    }
    for (long m = 0; m < days * 24 * 60; m++) {
      long at = LedgerStoreTest.T0 + m * minute;
      String stage = stages[m < 24 * 60 ? 0 : m < 72 * 60 ? 1 : m < 240 * 60 ? 2 : 3];
      double err = (m % 997 == 0) ? 0.08 : 0.01 + (m % 13) / 1000.0;
      entries.add(
          LedgerStoreTest.measured(
              ++seq, at, stage, "error_rate", err, err < 0.05 ? "PASS" : "FAIL", "< 0.05"));
      if (m % 10 == 0) {
        entries.add(
            LedgerStoreTest.measured(++seq, at, stage, "stuck_imports", m % 7, "PASS", "<= 10"));
      }
      if (m % 60 == 0) {
        entries.add(
            LedgerStoreTest.measured(++seq, at, stage, "p95_minutes", 10 + m % 5, "PASS", "< 30"));
        entries.add(
            LedgerStoreTest.measured(++seq, at, stage, "success_rate", 99, "PASS", ">= 95"));
      }
    }
    entries.add(
        LedgerStoreTest.decided(
            ++seq,
            LedgerStoreTest.T0 + 24 * 60 * minute,
            "canary",
            "alice",
            "approve",
            true,
            "ok"));
    try (LedgerDb db = new LedgerDb()) {
      var ds = LedgerWriter.dataSource(db.settings(null));
      LedgerSchema.migrate(ds);
      LedgerStore store = new LedgerStore(ds);
      for (int i = 0; i < entries.size(); i += 5000) {
        store.write(
            LedgerStoreTest.batch("run-1", entries.subList(i, Math.min(entries.size(), i + 5000))));
      }
      long measurements = db.count("SELECT count(*) FROM measurements");
      long t0 = System.nanoTime();
      ReportData data = ReportData.load(db.jdbi(), "shop").orElseThrow();
      Path html = dir.resolve("report.html");
      Files.writeString(html, HtmlReport.render(data, System.currentTimeMillis()));
      long writeMillis = (System.nanoTime() - t0) / 1_000_000;
      long size = Files.size(html);
      t0 = System.nanoTime();
      String dom = chromium(html, "--dump-dom");
      long renderMillis = (System.nanoTime() - t0) / 1_000_000;
      System.out.printf(
          "report figures: %d measurements, %d bytes, written in %d ms, rendered by Chromium in %d"
              + " ms%n",
          measurements, size, writeMillis, renderMillis);
      assertThat(measurements).isGreaterThan(27_000);
      assertThat(attr(dom, "data-rendered")).isEqualTo("true");
      assertThat(attr(dom, "data-charts")).isEqualTo("5");
      assertThat(Integer.parseInt(attr(dom, "data-breaches"))).isEqualTo(25);
      assertThat(size).isLessThan(5_000_000);
      assertThat(renderMillis).isLessThan(60_000);
    }
  }

  /** What a person reads: the page's text, without scripts, styles and markup. */
  static String text(String dom) {
    return dom.replaceAll("(?s)<script.*?</script>", " ")
        .replaceAll("(?s)<style.*?</style>", " ")
        .replaceAll("<[^>]+>", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
        .replaceAll("\\s+", " ");
  }

  static String attr(String dom, String name) {
    Matcher m = Pattern.compile(name + "=\"([^\"]*)\"").matcher(dom);
    return m.find() ? m.group(1) : null;
  }

  static int count(String s, String what) {
    int n = 0;
    for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }
}
