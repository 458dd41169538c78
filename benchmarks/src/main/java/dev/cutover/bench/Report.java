package dev.cutover.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a bench run found: the machine, one row per figure (goal, median/p95/p99/max, verdict),
 * tables that break a figure down, and notes. Rendered as markdown or JSON. Not thread-safe: the
 * bench fills it from its main thread.
 */
final class Report {
  enum Verdict {
    PASS,
    FAIL,
    INFO,
    NOT_MEASURED
  }

  /**
   * One figure. {@code limit} is the goal as a number in {@code unit} (null when there is none);
   * {@code judgedOn} says which statistic the goal applies to ("p95", "p99", "max", "median").
   */
  record Figure(
      String section,
      String name,
      String goal,
      String unit,
      Stats stats,
      Double limit,
      String judgedOn,
      Verdict verdict,
      String note) {}

  /** A table that explains a figure (e.g. where the time of a signal goes). */
  record Table(String title, List<String> header, List<List<String>> rows) {}

  private final Map<String, String> machine = new LinkedHashMap<>();
  private final List<Figure> figures = new ArrayList<>();
  private final List<Table> tables = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();
  private final Map<String, Object> details = new LinkedHashMap<>();

  void machine(String key, String value) {
    machine.put(key, value);
  }

  /** A figure judged against a goal: {@code stat(stats) <= limit} passes. */
  Figure judged(
      String section,
      String name,
      String goal,
      String unit,
      Stats stats,
      double limit,
      String judgedOn,
      String note) {
    Verdict v;
    if (stats.n() == 0) {
      v = Verdict.NOT_MEASURED;
    } else {
      v = stat(stats, judgedOn) <= limit ? Verdict.PASS : Verdict.FAIL;
    }
    Figure f = new Figure(section, name, goal, unit, stats, limit, judgedOn, v, note);
    figures.add(f);
    return f;
  }

  /** A figure judged as "at least": {@code stat(stats) >= limit} passes. */
  Figure atLeast(
      String section,
      String name,
      String goal,
      String unit,
      Stats stats,
      double limit,
      String judgedOn,
      String note) {
    Verdict v =
        stats.n() == 0
            ? Verdict.NOT_MEASURED
            : stat(stats, judgedOn) >= limit ? Verdict.PASS : Verdict.FAIL;
    Figure f = new Figure(section, name, goal, unit, stats, limit, judgedOn, v, note);
    figures.add(f);
    return f;
  }

  Figure info(String section, String name, String unit, Stats stats, String note) {
    Figure f =
        new Figure(
            section,
            name,
            "—",
            unit,
            stats,
            null,
            null,
            stats.n() == 0 ? Verdict.NOT_MEASURED : Verdict.INFO,
            note);
    figures.add(f);
    return f;
  }

  void notMeasured(String section, String name, String goal, String why) {
    figures.add(
        new Figure(section, name, goal, "", Stats.EMPTY, null, null, Verdict.NOT_MEASURED, why));
  }

  void table(String title, List<String> header, List<List<String>> rows) {
    tables.add(new Table(title, List.copyOf(header), List.copyOf(rows)));
  }

  void note(String text) {
    notes.add(text);
  }

  void detail(String key, Object value) {
    details.put(key, value);
  }

  /** The figures in section order (sections are numbered), each section in the order measured. */
  List<Figure> figures() {
    List<Figure> out = new ArrayList<>(figures);
    out.sort(java.util.Comparator.comparing(Figure::section));
    return out;
  }

  boolean anyFailed() {
    return figures.stream().anyMatch(f -> f.verdict() == Verdict.FAIL);
  }

  static double stat(Stats s, String which) {
    return switch (which) {
      case "median" -> s.median();
      case "p95" -> s.p95();
      case "p99" -> s.p99();
      case "max" -> s.max();
      case "min" -> s.min();
      default -> throw new IllegalArgumentException(which);
    };
  }

  // ------------------------------------------------------------------ rendering

  String markdown() {
    StringBuilder out = new StringBuilder();
    out.append("# cutover bench\n\n");
    out.append("## Machine\n\n");
    out.append("| | |\n|---|---|\n");
    machine.forEach(
        (k, v) -> out.append("| ").append(k).append(" | ").append(cell(v)).append(" |\n"));
    out.append("\n## Figures (goals in BENCHMARKS.md)\n\n");
    out.append(
        "Percentiles are nearest-rank over the n samples; a goal is judged on the statistic named in the goal.\n\n");
    out.append("| figure | goal | n | median | p95 | p99 | max | result |\n");
    out.append("|---|---|---:|---:|---:|---:|---:|---|\n");
    String section = null;
    for (Figure f : figures()) {
      if (!f.section().equals(section)) {
        section = f.section();
        out.append("| **").append(section).append("** | | | | | | | |\n");
      }
      Stats s = f.stats();
      out.append("| ")
          .append(cell(f.name()))
          .append(" | ")
          .append(cell(f.goal()))
          .append(" | ")
          .append(s.n() == 0 ? "—" : Integer.toString(s.n()))
          .append(" | ")
          .append(fmt(s.median(), f.unit()))
          .append(" | ")
          .append(s.n() < 2 ? "—" : fmt(s.p95(), f.unit()))
          .append(" | ")
          .append(s.n() < 2 ? "—" : fmt(s.p99(), f.unit()))
          .append(" | ")
          .append(fmt(s.max(), f.unit()))
          .append(" | ")
          .append(verdictText(f.verdict()))
          .append(" |\n");
    }
    List<Figure> annotated =
        figures().stream().filter(f -> f.note() != null && !f.note().isBlank()).toList();
    if (!annotated.isEmpty()) {
      out.append("\nAbout the rows:\n\n");
      for (Figure f : annotated) {
        out.append("- **").append(f.name()).append("**: ").append(f.note()).append('\n');
      }
    }
    for (Table t : tables) {
      out.append("\n### ").append(t.title()).append("\n\n");
      out.append("| ").append(String.join(" | ", t.header())).append(" |\n");
      out.append("|").append("---|".repeat(t.header().size())).append('\n');
      for (List<String> row : t.rows()) {
        out.append("| ")
            .append(String.join(" | ", row.stream().map(Report::cell).toList()))
            .append(" |\n");
      }
    }
    if (!notes.isEmpty()) {
      out.append("\n## Notes\n\n");
      for (String n : notes) {
        out.append("- ").append(n).append('\n');
      }
    }
    long failed = figures.stream().filter(f -> f.verdict() == Verdict.FAIL).count();
    long passed = figures.stream().filter(f -> f.verdict() == Verdict.PASS).count();
    long missing = figures.stream().filter(f -> f.verdict() == Verdict.NOT_MEASURED).count();
    out.append("\n")
        .append(passed)
        .append(" goals met, ")
        .append(failed)
        .append(" missed, ")
        .append(missing)
        .append(" not measured.\n");
    return out.toString();
  }

  String json() {
    ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode root = m.createObjectNode();
    ObjectNode mach = root.putObject("machine");
    machine.forEach(mach::put);
    ArrayNode figs = root.putArray("figures");
    for (Figure f : figures()) {
      ObjectNode o = figs.addObject();
      o.put("section", f.section());
      o.put("figure", f.name());
      o.put("goal", f.goal());
      if (f.limit() != null) {
        o.put("limit", f.limit());
        o.put("judgedOn", f.judgedOn());
      }
      o.put("unit", f.unit());
      Stats s = f.stats();
      o.put("n", s.n());
      if (s.n() > 0) {
        o.put("min", s.min());
        o.put("median", s.median());
        o.put("p95", s.p95());
        o.put("p99", s.p99());
        o.put("max", s.max());
        o.put("mean", s.mean());
      }
      o.put("result", f.verdict().name());
      if (f.note() != null) {
        o.put("note", f.note());
      }
    }
    ArrayNode tabs = root.putArray("tables");
    for (Table t : tables) {
      ObjectNode o = tabs.addObject();
      o.put("title", t.title());
      o.set("header", m.valueToTree(t.header()));
      o.set("rows", m.valueToTree(t.rows()));
    }
    root.set("details", m.valueToTree(details));
    root.set("notes", m.valueToTree(notes));
    try {
      return m.writeValueAsString(root) + "\n";
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String verdictText(Verdict v) {
    return switch (v) {
      case PASS -> "pass";
      case FAIL -> "**FAIL**";
      case INFO -> "info";
      case NOT_MEASURED -> "not measured";
    };
  }

  private static String cell(String s) {
    return s == null ? "" : s.replace("|", "\\|").replace("\n", " ");
  }

  static String fmt(double v, String unit) {
    if (Double.isNaN(v)) {
      return "—";
    }
    return switch (unit) {
      case "ms" -> String.format(Locale.ROOT, "%.0f ms", v);
      case "s" -> String.format(Locale.ROOT, "%.2f s", v);
      case "MB" -> String.format(Locale.ROOT, "%.0f MB", v);
      case "%" -> String.format(Locale.ROOT, "%.1f %%", v);
      case "" ->
          v == Math.rint(v)
              ? String.format(Locale.ROOT, "%.0f", v)
              : String.format(Locale.ROOT, "%.1f", v);
      default ->
          (v == Math.rint(v)
                  ? String.format(Locale.ROOT, "%.0f", v)
                  : String.format(Locale.ROOT, "%.1f", v))
              + " "
              + unit;
    };
  }
}
