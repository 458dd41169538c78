package dev.cutover.engine;

import java.util.List;

/** What the engine asks the workflow to carry out. */
public sealed interface Command permits Command.Measure, Command.Apply, Command.Notify {

  /** Measure {@code checks} once each; answer with {@link Event.Measured} carrying {@code seq}. */
  record Measure(long seq, List<String> checks) implements Command {
    public Measure {
      checks = List.copyOf(checks);
    }
  }

  /** Carry out one effect; answer with {@link Event.EffectDone} carrying {@code seq}. */
  record Apply(long seq, Step step) implements Command {}

  /**
   * Tell people. {@code PAGE} is for what needs someone now (a rollback failing, a breach). {@code
   * kind} is what happened, for routing; {@code subject} what it is about, stable for the cutover
   * (a rule's id, {@code rollback}; null: nothing in particular), so that a page and its resolution
   * share a key; {@code report} the cutover's state, on a status update only.
   */
  record Notify(Level level, String text, Kind kind, String subject, Report report)
      implements Command {
    public enum Level {
      INFO,
      WARN,
      PAGE
    }

    /** What happened; a plan's routes name these in lower case ({@code Notify.EVENT_KINDS}). */
    public enum Kind {
      STAGE_STARTED,
      WAITING,
      /** A stage waits for checklist tasks to be confirmed, or a task was confirmed. */
      CHECKLIST,
      BREACH,
      CLEARED,
      INCONCLUSIVE,
      ESCALATION,
      PAUSED,
      RESUMED,
      ACKNOWLEDGED,
      ROLLBACK_STARTED,
      ROLLBACK_FAILED,
      ROLLBACK_RECOVERED,
      ROLLED_BACK,
      /** A stage's deadline passed: it rolls back or holds, and pages. */
      DEADLINE,
      /** A rollback ran past its budget (it goes on); pages. */
      ROLLBACK_OVERDUE,
      COMPLETED,
      STATUS,
      NOTE;

      public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
      }
    }

    public Notify {
      kind = kind == null ? Kind.NOTE : kind;
    }

    /** A message about nothing in particular. */
    public Notify(Level level, String text) {
      this(level, text, Kind.NOTE, null, null);
    }

    /**
     * Where a cutover stands, for a status update: each gate's latest value against its threshold,
     * what it waits for, and when the next decision falls (epoch millis; null: none scheduled).
     */
    public record Report(
        String state,
        String stage,
        Integer percent,
        List<Gate> gates,
        String waitingFor,
        Long nextDecisionAt) {
      public Report {
        gates = List.copyOf(gates);
      }
    }

    /** One rule's latest measurement against its threshold ({@code pass}, as the plan says). */
    public record Gate(
        String id, String check, String role, String outcome, Double value, String pass) {}
  }
}
