package dev.cutover.plan;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A step a stage (or the rollback) performs after its traffic and flags are applied. A stage's
 * action says how it is undone ({@link #undo}) or admits it cannot be ({@link #irreversible}); a
 * stage with an irreversible action starts only after an approval for that stage. As JSON (an
 * activity request), the kind is named by {@code type}: {@code http}, {@code wait} or {@code
 * command}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = Action.Http.class, name = "http"),
  @JsonSubTypes.Type(value = Action.Wait.class, name = "wait"),
  @JsonSubTypes.Type(value = Action.Command.class, name = "command")
})
public sealed interface Action permits Action.Http, Action.Wait, Action.Command {

  /** What a rollback runs to undo this action, if anything. */
  Action undo();

  /** The action cannot be undone: its stage needs an approval before it starts. */
  boolean irreversible();

  /**
   * An HTTP call, sent with an {@code Idempotency-Key} header, that must meet {@code expect}. Its
   * {@code outputs} are values of its answer that its undo and its stage's later actions use.
   */
  record Http(
      HttpCall call,
      Expect expect,
      boolean followRedirects,
      Action undo,
      boolean irreversible,
      @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Output> outputs)
      implements Action {
    public Http {
      Objects.requireNonNull(call, "call");
      outputs = outputs == null ? List.of() : List.copyOf(outputs);
    }

    /** An HTTP action without outputs. */
    public Http(
        HttpCall call, Expect expect, boolean followRedirects, Action undo, boolean irreversible) {
      this(call, expect, followRedirects, undo, irreversible, List.of());
    }
  }

  /** The outputs this action declares (only an http action of a stage has any). */
  default List<Output> outputs() {
    return List.of();
  }

  /**
   * Wait until {@code check} passes, measuring every {@code every}; fails after {@code timeout}.
   */
  record Wait(String check, Duration timeout, Duration every) implements Action {
    public Wait {
      Objects.requireNonNull(check, "check");
      Objects.requireNonNull(timeout, "timeout");
      Objects.requireNonNull(every, "every");
    }

    @Override
    public Action undo() {
      return null;
    }

    @Override
    public boolean irreversible() {
      return false;
    }
  }

  /**
   * A program run by the worker without a shell: {@code argv} must be allowed by the worker's
   * {@code CUTOVER_ALLOWED_COMMANDS}; it must exit with {@code exitCode} within {@code timeout}.
   * Its output is captured, bounded, and kept out of history but for a tail. {@code env} names the
   * variables it gets beyond the worker's minimal set, each one {@code ${env:NAME}} reference.
   * {@code readOnly}: the plan says it changes nothing (a smoke test), so it has neither an undo
   * nor is it irreversible; the worker runs it like any other command.
   */
  record Command(
      List<String> argv,
      Map<String, String> env,
      Duration timeout,
      int exitCode,
      Action undo,
      boolean irreversible,
      @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean readOnly)
      implements Action {
    public Command {
      argv = List.copyOf(argv);
      env =
          java.util.Collections.unmodifiableMap(
              new java.util.LinkedHashMap<>(env == null ? Map.of() : env));
      Objects.requireNonNull(timeout, "timeout");
    }

    /** A command without {@code env}. */
    public Command(
        List<String> argv, Duration timeout, int exitCode, Action undo, boolean irreversible) {
      this(argv, Map.of(), timeout, exitCode, undo, irreversible);
    }

    /** A command that is not marked read-only. */
    public Command(
        List<String> argv,
        Map<String, String> env,
        Duration timeout,
        int exitCode,
        Action undo,
        boolean irreversible) {
      this(argv, env, timeout, exitCode, undo, irreversible, false);
    }
  }
}
