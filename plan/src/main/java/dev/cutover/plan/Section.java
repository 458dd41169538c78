package dev.cutover.plan;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The fields a section of a plan may have, in the order a problem lists them. */
record Section(List<Field<?>> fields) {
  static Section of(Field<?>... fields) {
    return new Section(List.of(fields));
  }

  /** This section with {@code more} fields after its own. */
  Section plus(Field<?>... more) {
    List<Field<?>> all = new ArrayList<>(fields);
    all.addAll(Arrays.asList(more));
    return new Section(List.copyOf(all));
  }

  List<String> names() {
    return fields.stream().map(Field::name).toList();
  }

  boolean contains(String name) {
    return fields.stream().anyMatch(f -> f.name().equals(name));
  }
}
