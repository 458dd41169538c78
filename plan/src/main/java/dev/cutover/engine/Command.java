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

  /** Tell people. {@code PAGE} is for what needs someone now (a rollback failing, a breach). */
  record Notify(Level level, String text) implements Command {
    public enum Level {
      INFO,
      WARN,
      PAGE
    }
  }
}
