package dev.cutover.plan;

import java.time.Duration;
import java.util.Objects;

/** A step a stage (or the rollback) performs after its traffic and flags are applied. */
public sealed interface Action permits Action.Http, Action.Wait {

  /** An HTTP call, sent with an {@code Idempotency-Key} header, that must meet {@code expect}. */
  record Http(HttpCall call, Expect expect) implements Action {
    public Http {
      Objects.requireNonNull(call, "call");
    }
  }

  /** Wait until {@code check} passes, measuring every {@code every}; fails after {@code timeout}. */
  record Wait(String check, Duration timeout, Duration every) implements Action {
    public Wait {
      Objects.requireNonNull(check, "check");
      Objects.requireNonNull(timeout, "timeout");
      Objects.requireNonNull(every, "every");
    }
  }
}
