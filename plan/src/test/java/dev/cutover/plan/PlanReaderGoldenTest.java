package dev.cutover.plan;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The reader's behaviour, pinned: every example plan and recipe and the tests' base plans, and tens
 * of thousands of broken variants of them (each field deleted, given a value of another type,
 * misspelt, an unknown field added, ...), read by every rule set and by the one-part readers the
 * activities use, give exactly what {@code golden/plan-reader.txt} recorded: the same plan (its
 * normalized JSON and every field of every record) or the same problems, in the same order.
 *
 * <p>The file holds one digest a place of a plan (all variants made there, all rule sets), so a
 * difference names the place; the test then prints what is read there now ({@code
 * -Dgolden.dump=FILE} writes out everything it reads, to compare two versions in full). Regenerate
 * the file with {@code -Dgolden.write=true} only for a change of behaviour that is meant, and say
 * so.
 */
class PlanReaderGoldenTest {
  private static final Path GOLDEN =
      Path.of("src", "test", "resources", "golden", "plan-reader.txt");
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  /**
   * A seed touching what the examples do not: compare by Prometheus, windows, flag reads, command
   * env, ...
   */
  static final String KITCHEN =
      """
      version: 1
      name: kitchen
      description: every field at least once
      connections:
        db: { postgres: "jdbc:postgresql://db.internal:5432/app?sslmode=require", user: "${env:DB_USER}", password: "${env:DB_PASSWORD}" }
        prom: { prometheus: "https://prom.internal", headers: { Authorization: "Bearer ${env:PROM_TOKEN}" } }
        api: { http: "https://api.internal", headers: { X-Team: cutover } }
      checks:
        ratio: { compare: { prometheus: prom, method: ztest, new: { failures: "sum(f{v=\\"2\\"})", total: "sum(t{v=\\"2\\"})" },
                 baseline: { failures: "sum(f)", total: "sum(t)" }, margin: 0.02, confidence: 0.9, minSamples: 50 },
                 timeout: 20s, description: compare }
        probe: { http: "POST api:/probe", headers: { Content-Type: application/json }, body: '{"deep": true}',
                 expect: { status: 201, json: { "$.ok": true, "$.items[0].n": 3, "$['a.b']": null } },
                 value: "$.latency", pass: "between 0.1 and 2.5", followRedirects: true, timeout: 5s }
        mem: { prometheus: prom, query: "max(mem)", reduce: avg, pass: "< 0.9" }
        rows: { sql: db, query: "SELECT count(*) AS value FROM t", pass: "!= 0", timeout: 1m }
      traffic:
        set: { http: "POST api:/split?p=${percent}", headers: { X-Env: "${env:ENV_NAME}" } }
      flagsApi:
        set: { http: "PUT api:/flags/${flag}", body: '{"on": ${value}}' }
        get: { http: "GET api:/flags/${flag}", headers: { Accept: application/json }, value: "$.on" }
      window: "Mon-Fri 08:00-18:00 Europe/Berlin"
      prerequisites: [rows, { check: mem, pass: "< 0.5", every: 30s, errorLimit: 2, onInconclusive: rollback }]
      stages:
        - name: dark
          flags: { new-ui: true, colour: blue, weight: 10 }
          revert: { colour: red, weight: 0 }
          soak: 30m
          window: "Sat 00:00-06:00 UTC"
          actions:
            - { http: "PUT api:/stage/${stage}", body: '{"s": "${stage}"}', expect: { status: 204 }, followRedirects: false,
                undo: { command: [/opt/undo, "${stage}"], env: { TOKEN: "${env:UNDO_TOKEN}" }, timeout: 2m, exitCode: 3 } }
            - { command: [migrate, --to, v2], env: { DB_URL: "${env:MIGRATE_URL}" }, exitCode: 0, undo: { http: "DELETE api:/migrate" } }
            - { http: "HEAD https://api.internal/ping" }
        - name: ten
          percent: 10
          soak: 2h
          gates:
            - { check: ratio, failures: 2/4, rollback: stage, severity: low, grace: 2h, escalateAfter: 12h }
            - { check: probe, for: 10m, every: 2m, severity: high, rollback: all }
          approval: false
      watch:
        - { check: mem, every: 10s, for: 1m, onInconclusive: hold, errorLimit: 5 }
      rollback:
        percent: 5
        then: end
        drain: { check: rows, timeout: 15m }
        actions:
          - { command: [/opt/rollback], timeout: 30s }
          - { wait: { check: mem, timeout: 1m } }
          - { http: "POST api:/rolled-back", headers: { Authorization: "${env:HOOK_TOKEN}" } }
      approvals: { approvers: [ana, ben], signed: true }
      notify: { webhook: "${env:HOOK}" }
      """;

  static Map<String, String> seeds() throws IOException {
    Map<String, String> seeds = new LinkedHashMap<>();
    try (Stream<Path> files =
        Stream.concat(
            Files.list(Path.of("..", "examples")),
            Files.list(Path.of("..", "examples", "recipes")))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        seeds.put(f.getFileName().toString(), Files.readString(f));
      }
    }
    seeds.put("bounds-base", PlanBoundsTest.BASE);
    String traffic =
        PlanBoundsTest.BASE.substring(
            PlanBoundsTest.BASE.indexOf("traffic:"), PlanBoundsTest.BASE.indexOf("prerequisites:"));
    seeds.put(
        "bounds-nginx",
        PlanBoundsTest.BASE.replace(
            traffic,
            PlanBoundsTest.NGINX.replace(
                "old: blue }", "old: blue, variable: $split, config: /etc/nginx/nginx.conf }")));
    seeds.put("reader-good", PlanReaderTest.GOOD);
    seeds.put("kitchen", KITCHEN);
    return seeds;
  }

  @Test
  void everySeedAndEveryBrokenVariantReadsAsRecorded() throws IOException {
    Map<String, String> now = new LinkedHashMap<>();
    Map<String, List<String>> outputs = new LinkedHashMap<>();
    Set<String> shapes = new HashSet<>();
    for (Map.Entry<String, String> seed : seeds().entrySet()) {
      JsonNode root = PlanReader.parseTree(seed.getValue());
      List<String> asWritten = new ArrayList<>();
      asWritten.add(outcome(() -> PlanJson.write(PlanReader.read(seed.getValue())).toString()));
      asWritten.addAll(readings(root, ""));
      record(now, outputs, seed.getKey() + "\t(as written)", asWritten);
      for (Place place : places(root)) {
        if (shapes.add(shape(root, place))) {
          record(now, outputs, seed.getKey() + "\t" + place.path(), variants(root, place));
        }
      }
    }
    String text =
        now.entrySet().stream()
            .map(e -> e.getKey() + "\t" + e.getValue())
            .collect(Collectors.joining("\n", "", "\n"));
    if (System.getProperty("golden.dump") != null) {
      // Everything read, in full: to compare two versions of the reader place by place.
      Files.writeString(
          Path.of(System.getProperty("golden.dump")),
          outputs.entrySet().stream()
              .map(e -> "=== " + e.getKey() + "\n" + String.join("\n", e.getValue()))
              .collect(Collectors.joining("\n", "", "\n")));
    }
    if (Boolean.getBoolean("golden.write")) {
      Files.createDirectories(GOLDEN.getParent());
      Files.writeString(GOLDEN, text);
      return;
    }
    List<String> expected = Files.readAllLines(GOLDEN);
    List<String> actual = text.lines().toList();
    List<String> differences = new ArrayList<>();
    for (int i = 0; i < Math.max(expected.size(), actual.size()) && differences.size() < 5; i++) {
      String e = i < expected.size() ? expected.get(i) : "(nothing)";
      String a = i < actual.size() ? actual.get(i) : "(nothing)";
      if (!e.equals(a)) {
        String key = a.substring(0, Math.max(0, a.lastIndexOf('\t')));
        differences.add(
            "recorded "
                + e
                + "\nnow      "
                + a
                + "\n"
                + String.join("\n", outputs.getOrDefault(key, List.of())));
      }
    }
    assertThat(differences).as("places read differently from golden/plan-reader.txt").isEmpty();
    assertThat(actual).hasSize(expected.size());
  }

  private static void record(
      Map<String, String> digests,
      Map<String, List<String>> outputs,
      String key,
      List<String> out) {
    digests.put(key, digest(out));
    outputs.put(key, out);
  }

  /**
   * A place in a plan: the keys (String) and indexes (Integer) that lead there, and the path as the
   * reader writes it.
   */
  private record Place(List<Object> steps, String path) {
    Place then(Object step) {
      List<Object> next = new ArrayList<>(steps);
      next.add(step);
      return new Place(
          next,
          step instanceof Integer i
              ? path + "[" + i + "]"
              : path.isEmpty() ? (String) step : path + "." + step);
    }
  }

  /**
   * What makes a place different from another for the reader: its path with names and indexes left
   * out, the fields beside it and its type. Variants are made at the first place of each shape only
   * (a plan's tenth gate reads as its first).
   */
  private static String shape(JsonNode root, Place place) {
    StringBuilder b = new StringBuilder();
    JsonNode n = root;
    JsonNode parent = null;
    for (Object step : place.steps()) {
      // Keys the plan's author chooses: a check's name says nothing about how it is read.
      boolean named =
          n.isObject()
              && b.toString().matches(".*\\.(connections|checks|headers|flags|revert|json|env)$");
      b.append(step instanceof Integer ? "[]" : named ? ".*" : "." + step);
      parent = n;
      n = step instanceof Integer i ? n.get(i) : n.get((String) step);
    }
    List<String> beside = new ArrayList<>();
    if (parent != null && parent.isObject()) {
      parent.fieldNames().forEachRemaining(beside::add);
    }
    return b
        + " "
        + new TreeSet<>(beside)
        + " "
        + n.getNodeType()
        + " "
        + (n.isObject() ? new TreeSet<>(names(n)) : "");
  }

  private static List<String> names(JsonNode n) {
    List<String> out = new ArrayList<>();
    n.fieldNames().forEachRemaining(out::add);
    return out;
  }

  /** Every place in the tree, in the order it is written. */
  private static List<Place> places(JsonNode root) {
    List<Place> out = new ArrayList<>();
    walk(root, new Place(List.of(), ""), out);
    return out;
  }

  private static void walk(JsonNode n, Place place, List<Place> out) {
    out.add(place);
    if (n.isObject()) {
      for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
        String k = it.next();
        walk(n.get(k), place.then(k), out);
      }
    } else if (n.isArray()) {
      for (int i = 0; i < n.size(); i++) {
        walk(n.get(i), place.then(i), out);
      }
    }
  }

  /** What every broken variant made at {@code path} reads as. */
  private static List<String> variants(JsonNode root, Place place) {
    List<String> out = new ArrayList<>();
    JsonNode here = at(root, place.steps());
    String kind = here.getNodeType().name();
    String path = place.path();
    List<JsonNode> values =
        new ArrayList<>(
            List.of(
                F.nullNode(),
                F.objectNode(),
                F.arrayNode(),
                F.textNode("x"),
                F.numberNode(0),
                F.numberNode(-1),
                F.numberNode(1.5),
                F.booleanNode(true),
                F.numberNode(1L << 40)));
    if (here.isTextual()) {
      values.add(F.textNode(""));
      values.add(F.textNode("${env:A}"));
      values.add(F.textNode("${nope}"));
      values.add(F.textNode(here.asText() + "x"));
      values.add(F.textNode(" " + here.asText()));
      values.add(F.textNode(here.asText().toUpperCase()));
      values.add(F.textNode(here.asText() + "x".repeat(70_000))); // past every limit on text
    }
    if (here.isNumber()) {
      values.add(F.numberNode(here.asLong() + 1000));
      values.add(F.numberNode(-here.asLong()));
    }
    if (here.isArray() && !here.isEmpty()) {
      ArrayNode twice = here.deepCopy();
      twice.add(here.get(0).deepCopy());
      values.add(twice);
      values.add(((ArrayNode) here.deepCopy()).add("x"));
    }
    if (here.isObject()) {
      values.add(((ObjectNode) here.deepCopy()).put("extra", 1));
      Iterator<String> keys = here.fieldNames();
      if (keys.hasNext()) {
        String first = keys.next();
        ObjectNode misspelt = F.objectNode();
        here.fields()
            .forEachRemaining(
                e ->
                    misspelt.set(
                        e.getKey().equals(first) && first.length() > 1
                            ? first.substring(0, first.length() - 1)
                            : e.getKey(),
                        e.getValue().deepCopy()));
        values.add(misspelt);
      }
      // Every field wrong at once: the order in which a section reports its problems.
      for (JsonNode wrong : List.of(F.arrayNode(), F.textNode("x"), F.numberNode(-1))) {
        ObjectNode all = F.objectNode();
        here.fieldNames().forEachRemaining(k -> all.set(k, wrong));
        values.add(all);
      }
    }
    if (!path.isEmpty()) {
      out.add("delete: " + String.join("\n", readings(replaced(root, place.steps(), null), path)));
    }
    for (JsonNode v : values) {
      out.add(
          kind
              + " -> "
              + v
              + ": "
              + String.join("\n", readings(replaced(root, place.steps(), v), path)));
    }
    return out;
  }

  /**
   * The whole plan by each rule set, and the one part containing {@code path} by the reader an
   * activity uses.
   */
  private static List<String> readings(JsonNode root, String path) {
    List<String> out = new ArrayList<>();
    for (PlanReader.Rules rules : PlanReader.Rules.values()) {
      out.add(
          rules
              + " "
              + outcome(
                  () -> {
                    Plan p = PlanReader.fromTree(root, rules);
                    return p == null ? "null" : PlanJson.write(p) + "\n" + dump(p);
                  }));
    }
    if (root.path("connections").isObject()) {
      root.path("connections")
          .fields()
          .forEachRemaining(
              e -> {
                if (path.isEmpty() || path.startsWith("connections." + e.getKey())) {
                  out.add(
                      "connection "
                          + e.getKey()
                          + " "
                          + outcome(() -> dump(PlanReader.connection(e.getKey(), e.getValue()))));
                }
              });
    }
    if (root.path("checks").isObject()) {
      root.path("checks")
          .fields()
          .forEachRemaining(
              e -> {
                if (path.isEmpty() || path.startsWith("checks." + e.getKey())) {
                  out.add(
                      "check "
                          + e.getKey()
                          + " "
                          + outcome(() -> dump(PlanReader.check(e.getKey(), e.getValue()))));
                }
              });
    }
    if (root.has("traffic") && (path.isEmpty() || path.startsWith("traffic"))) {
      out.add("traffic " + outcome(() -> dump(PlanReader.traffic(root.get("traffic")))));
    }
    if (root.has("flagsApi") && (path.isEmpty() || path.startsWith("flagsApi"))) {
      out.add("flagsApi " + outcome(() -> dump(PlanReader.flagsApi(root.get("flagsApi")))));
    }
    Map<String, JsonNode> lists = new LinkedHashMap<>();
    for (int i = 0; i < root.path("stages").size(); i++) {
      lists.put("stages[" + i + "].actions", root.path("stages").path(i).path("actions"));
    }
    lists.put("rollback.actions", root.path("rollback").path("actions"));
    for (Map.Entry<String, JsonNode> e : lists.entrySet()) {
      String list = e.getKey();
      JsonNode actions = e.getValue();
      for (int i = 0; actions.isArray() && i < actions.size(); i++) {
        String p = list + "[" + i + "]";
        JsonNode action = actions.get(i);
        if (path.isEmpty() || path.startsWith(p)) {
          out.add("action " + p + " " + outcome(() -> dump(PlanReader.action(action, p))));
        }
      }
    }
    return out;
  }

  private interface Outcome {
    String read();
  }

  private static String outcome(Outcome r) {
    try {
      return "read " + r.read();
    } catch (PlanException e) {
      return "problems "
          + e.problems().stream()
              .map(Problem::toString)
              .collect(Collectors.joining("\n  ", "\n  ", ""));
    } catch (RuntimeException e) {
      return "throws " + e;
    }
  }

  /** The components of each record class, their accessors made callable once. */
  private static final ClassValue<RecordComponent[]> COMPONENTS =
      new ClassValue<>() {
        @Override
        protected RecordComponent[] computeValue(Class<?> type) {
          RecordComponent[] components = type.getRecordComponents();
          for (RecordComponent c : components) {
            c.getAccessor().setAccessible(true);
          }
          return components;
        }
      };

  /** Every field of a record, recursively: what the reader built, to the last default. */
  static String dump(Object o) {
    if (o instanceof Record r) {
      StringBuilder b = new StringBuilder(r.getClass().getSimpleName()).append('(');
      RecordComponent[] components = COMPONENTS.get(r.getClass());
      for (int i = 0; i < components.length; i++) {
        try {
          b.append(i == 0 ? "" : ", ")
              .append(components[i].getName())
              .append('=')
              .append(dump(components[i].getAccessor().invoke(r)));
        } catch (ReflectiveOperationException e) {
          throw new IllegalStateException(e);
        }
      }
      return b.append(')').toString();
    }
    if (o instanceof Map<?, ?> m) {
      return m.entrySet().stream()
          .map(e -> dump(e.getKey()) + ": " + dump(e.getValue()))
          .collect(Collectors.joining(", ", "{", "}"));
    }
    if (o instanceof Set<?> set) {
      // Set.copyOf iterates in an order salted per JVM: sorted, it says the same every run.
      return set.stream()
          .map(PlanReaderGoldenTest::dump)
          .sorted()
          .collect(Collectors.joining(", ", "{", "}"));
    }
    if (o instanceof Collection<?> c) {
      return c.stream().map(PlanReaderGoldenTest::dump).collect(Collectors.joining(", ", "[", "]"));
    }
    if (o instanceof String s) {
      return "\"" + s + "\"";
    }
    return String.valueOf(o);
  }

  private static JsonNode at(JsonNode root, List<Object> steps) {
    JsonNode n = root;
    for (Object step : steps) {
      n = step instanceof Integer i ? n.get(i) : n.get((String) step);
    }
    return n;
  }

  /**
   * A copy of {@code root} with the value at {@code steps} replaced by {@code value}, or removed
   * (null).
   */
  private static JsonNode replaced(JsonNode root, List<Object> steps, JsonNode value) {
    if (steps.isEmpty()) {
      return value;
    }
    JsonNode copy = root.deepCopy();
    JsonNode parent = at(copy, steps.subList(0, steps.size() - 1));
    Object last = steps.get(steps.size() - 1);
    if (last instanceof Integer i) {
      if (value == null) {
        ((ArrayNode) parent).remove(i);
      } else {
        ((ArrayNode) parent).set(i, value);
      }
    } else if (value == null) {
      ((ObjectNode) parent).remove((String) last);
    } else {
      ((ObjectNode) parent).set((String) last, value);
    }
    return copy;
  }

  private static String digest(List<String> outputs) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (String s : outputs) {
        sha.update(s.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
      }
      return outputs.size() + " " + HexFormat.of().formatHex(sha.digest(), 0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
