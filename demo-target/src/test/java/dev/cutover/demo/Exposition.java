package dev.cutover.demo;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict, line-by-line reader of the Prometheus text exposition format 0.0.4, written for the
 * tests independently of the code under test. It rejects what a Prometheus scrape would reject
 * (malformed lines, bad names or values, duplicate TYPE, samples before their TYPE, interleaved
 * families) and checks histogram invariants (cumulative buckets, +Inf bucket equal to _count).
 */
final class Exposition {

  private static final String NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
  private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") (.*)");
  private static final Pattern TYPE =
      Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|histogram|summary|untyped)");
  private static final Pattern SAMPLE =
      Pattern.compile("(" + NAME + ")(\\{(.*)\\})? (\\S+)( -?[0-9]+)?");
  private static final Pattern LABEL =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\[\\\\\"n])*)\"");

  private Exposition() {}

  /** Parses and validates; returns each sample's value keyed by its canonical series name. */
  static Map<String, Double> parse(String text) {
    if (!text.isEmpty() && !text.endsWith("\n")) {
      throw new AssertionError("exposition must end with a newline");
    }
    Map<String, String> types = new HashMap<>();
    Set<String> finishedFamilies = new HashSet<>();
    String currentFamily = null;
    Map<String, Double> samples = new LinkedHashMap<>();
    int lineNo = 0;
    String body = text.isEmpty() ? "" : text.substring(0, text.length() - 1);
    String[] lines = body.isEmpty() ? new String[0] : body.split("\n", -1);
    for (String line : lines) {
      lineNo++;
      String where = "line " + lineNo + " '" + line + "': ";
      if (line.startsWith("#")) {
        Matcher help = HELP.matcher(line);
        Matcher type = TYPE.matcher(line);
        if (type.matches()) {
          String family = type.group(1);
          if (types.put(family, type.group(2)) != null) {
            throw new AssertionError(where + "second TYPE for " + family);
          }
          if (finishedFamilies.contains(family) || family.equals(currentFamily)) {
            throw new AssertionError(where + "TYPE after samples of " + family);
          }
        } else if (!help.matches() && (line.startsWith("# HELP") || line.startsWith("# TYPE"))) {
          throw new AssertionError(where + "malformed HELP/TYPE line");
        }
        continue;
      }
      if (line.isEmpty()) {
        throw new AssertionError(where + "unexpected empty line");
      }
      Matcher m = SAMPLE.matcher(line);
      if (!m.matches()) {
        throw new AssertionError(where + "not a sample line");
      }
      String name = m.group(1);
      Map<String, String> labels = labels(m.group(3), where);
      double value = value(m.group(4), where);
      String family = familyOf(name, types);
      if (!types.containsKey(family)) {
        throw new AssertionError(where + "sample before TYPE of its family " + family);
      }
      if (!family.equals(currentFamily)) {
        if (currentFamily != null) {
          finishedFamilies.add(currentFamily);
        }
        if (finishedFamilies.contains(family)) {
          throw new AssertionError(where + "samples of " + family + " are not contiguous");
        }
        currentFamily = family;
      }
      String type = types.get(family);
      if (type.equals("histogram") && name.endsWith("_bucket") && !labels.containsKey("le")) {
        throw new AssertionError(where + "histogram bucket without le");
      }
      if (type.equals("counter") && value < 0) {
        throw new AssertionError(where + "negative counter");
      }
      String key = series(name, labels);
      if (samples.put(key, value) != null) {
        throw new AssertionError(where + "duplicate series " + key);
      }
    }
    checkHistograms(samples, types);
    return samples;
  }

  /** Canonical series name: {@code name{a="x",b="y"}} with labels sorted, or just the name. */
  static String series(String name, Map<String, String> labels) {
    if (labels.isEmpty()) {
      return name;
    }
    StringBuilder sb = new StringBuilder(name).append('{');
    boolean first = true;
    for (Map.Entry<String, String> e : new TreeMap<>(labels).entrySet()) {
      if (!first) {
        sb.append(',');
      }
      first = false;
      sb.append(e.getKey()).append("=\"").append(e.getValue()).append('"');
    }
    return sb.append('}').toString();
  }

  private static String familyOf(String name, Map<String, String> types) {
    for (String suffix : List.of("_bucket", "_sum", "_count")) {
      if (name.endsWith(suffix)) {
        String base = name.substring(0, name.length() - suffix.length());
        if ("histogram".equals(types.get(base)) || "summary".equals(types.get(base))) {
          return base;
        }
      }
    }
    return name;
  }

  private static Map<String, String> labels(String body, String where) {
    Map<String, String> labels = new LinkedHashMap<>();
    if (body == null || body.isEmpty()) {
      return labels;
    }
    int pos = 0;
    while (pos < body.length()) {
      Matcher m = LABEL.matcher(body).region(pos, body.length());
      if (!m.lookingAt()) {
        throw new AssertionError(where + "malformed labels at " + pos);
      }
      if (labels.put(m.group(1), m.group(2)) != null) {
        throw new AssertionError(where + "duplicate label " + m.group(1));
      }
      pos = m.end();
      if (pos < body.length()) {
        if (body.charAt(pos) != ',') {
          throw new AssertionError(where + "expected ',' between labels");
        }
        pos++;
      }
    }
    return labels;
  }

  private static double value(String text, String where) {
    switch (text) {
      case "+Inf":
        return Double.POSITIVE_INFINITY;
      case "-Inf":
        return Double.NEGATIVE_INFINITY;
      case "NaN":
        return Double.NaN;
      default:
        try {
          return Double.parseDouble(text);
        } catch (NumberFormatException e) {
          throw new AssertionError(where + "bad value " + text);
        }
    }
  }

  private static void checkHistograms(Map<String, Double> samples, Map<String, String> types) {
    for (Map.Entry<String, String> type : types.entrySet()) {
      if (!type.getValue().equals("histogram")) {
        continue;
      }
      String family = type.getKey();
      // group buckets by their labels without le
      Map<String, TreeMap<Double, Double>> bucketsBySeries = new TreeMap<>();
      Pattern bucket = Pattern.compile(Pattern.quote(family) + "_bucket\\{(.*)\\}");
      for (Map.Entry<String, Double> s : samples.entrySet()) {
        Matcher m = bucket.matcher(s.getKey());
        if (!m.matches()) {
          continue;
        }
        Map<String, String> labels = labels(m.group(1), s.getKey() + ": ");
        double le = value(labels.remove("le"), s.getKey() + ": ");
        bucketsBySeries
            .computeIfAbsent(series("", labels), k -> new TreeMap<>())
            .put(le, s.getValue());
      }
      if (bucketsBySeries.isEmpty()) {
        throw new AssertionError("histogram " + family + " has no buckets");
      }
      for (Map.Entry<String, TreeMap<Double, Double>> e : bucketsBySeries.entrySet()) {
        List<Double> counts = new ArrayList<>(e.getValue().values());
        for (int i = 1; i < counts.size(); i++) {
          if (counts.get(i) < counts.get(i - 1)) {
            throw new AssertionError(
                family + e.getKey() + ": buckets not cumulative " + e.getValue());
          }
        }
        Double inf = e.getValue().get(Double.POSITIVE_INFINITY);
        Double count = samples.get(family + "_count" + e.getKey());
        Double sum = samples.get(family + "_sum" + e.getKey());
        if (inf == null || count == null || sum == null) {
          throw new AssertionError(family + e.getKey() + ": missing +Inf bucket, _count or _sum");
        }
        if (!inf.equals(count)) {
          throw new AssertionError(
              family + e.getKey() + ": +Inf bucket " + inf + " != _count " + count);
        }
      }
    }
  }
}
