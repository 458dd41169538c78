package dev.cutover.plan;

/**
 * A field of a section of a plan: its name and the {@link Type} of its value, declared as {@code
 * Type.TEXT.field("query")} (or {@link #object}). Each part of the reader declares its fields once,
 * as constants, and lists them in a {@link Section}: the same declaration reads the value ({@link
 * Obj#get}) and says which fields the section may have (the "unknown field ... (expected one of:
 * ...)" problem).
 */
record Field<T>(String name, Type<T> type) {
  /** A field holding an object with the fields of {@code section}. */
  static Field<Obj> object(String name, Section section) {
    return new Field<>(name, Type.object(section));
  }
}
