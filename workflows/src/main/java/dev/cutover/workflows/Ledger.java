package dev.cutover.workflows;

import dev.cutover.engine.Command;
import dev.cutover.engine.CutoverState;
import dev.cutover.engine.Event;
import dev.cutover.engine.Judge;
import dev.cutover.engine.Measurement;
import dev.cutover.engine.ProportionTest;
import dev.cutover.engine.Reading;
import dev.cutover.engine.RuleState;
import dev.cutover.engine.Step;
import dev.cutover.plan.Check;
import dev.cutover.plan.Comparison;
import dev.cutover.plan.Plan;
import dev.cutover.plan.Rule;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The cutover's records for the ledger ({@link Versions#LEDGER}): what changed in each transition
 * (stage and phase, decisions, incidents, holds), each measurement as judged, each effect with its
 * result, each notification. They are numbered per run (a replay numbers them the same way) and
 * sent in batches by the {@code RecordLedger} activity, which is never waited for on the way to a
 * decision: at most one batch is in flight, the rest waits here, in workflow state that a replay
 * rebuilds. Only before the run ends or continues as new does the workflow wait for the last batch
 * (bounded by {@link #DRAIN_WAIT}). The worker's side keeps batches in a durable outbox, so a
 * ledger database that is down costs nothing here.
 */
final class Ledger {
  /** The most records one activity carries (its input stays small in history). */
  static final int BATCH_MAX = 200;

  /** How long measurements alone may wait to be sent (they go at once with anything else). */
  static final Duration MEASUREMENTS_WAIT = Duration.ofMinutes(10);

  /** How long the end of a run waits for its last records to reach the worker's outbox. */
  static final Duration DRAIN_WAIT = Duration.ofSeconds(30);

  private static final org.slf4j.Logger log = Workflow.getLogger(Ledger.class);

  private final Versions versions;
  private final WorkflowStart start;
  private final List<LedgerEntry> pending = new ArrayList<>();

  /** When the end of the run stops waiting for the ledger (0: the end is not near yet). */
  private long drainDeadline;

  private LedgerActivities stub;
  private Promise<Void> sending;
  private List<LedgerEntry> sent = List.of();
  private long seq;
  private CutoverState.Run run;

  Ledger(Versions versions, WorkflowStart start) {
    this.versions = versions;
    this.start = start;
  }

  /** Records what changed from {@code before} to {@code after} and the commands given. */
  void observe(CutoverState before, CutoverState after, List<Command> commands) {
    if (!versions.ledger() || after == null) {
      return;
    }
    run = after.run();
    long at = after.at();
    if (before == null
        || before.phase() != after.phase()
        || before.stage() != after.stage()
        || !Objects.equals(before.percent(), after.percent())) {
      add(
          at,
          "STAGE",
          stageName(after.stage()),
          after.phase().name(),
          null,
          null,
          null,
          after.percent() == null ? null : after.percent().doubleValue(),
          null,
          null,
          null);
    }
    for (CutoverState.Decision d :
        added(before == null ? List.of() : before.decisions(), after.decisions())) {
      add(
          d.at(),
          "DECISION",
          // The stage the decision was made in (an approval that completes a stage moves on
          // within the same transition).
          stageName(before == null ? after.stage() : before.stage()),
          d.action(),
          null,
          d.by(),
          d.accepted(),
          null,
          null,
          null,
          d.accepted() ? d.text() : shortened(d.text()));
    }
    List<CutoverState.Incident> incidentsBefore =
        before == null ? List.of() : before.journal().incidents();
    for (CutoverState.Incident i : added(incidentsBefore, after.journal().incidents())) {
      add(
          i.at(),
          "INCIDENT",
          i.stage(),
          i.kind(),
          i.subject(),
          null,
          null,
          null,
          null,
          null,
          i.text());
    }
    List<CutoverState.Hold> holdsBefore = before == null ? List.of() : before.holds();
    for (CutoverState.Hold h : after.holds()) {
      if (!holdsBefore.contains(h)) {
        add(
            at,
            "HOLD",
            stageName(after.stage()),
            h.kind().name(),
            "placed",
            h.by(),
            null,
            null,
            null,
            h.subject(),
            h.reason());
      }
    }
    for (CutoverState.Hold h : holdsBefore) {
      if (!after.holds().contains(h)) {
        add(
            at,
            "HOLD",
            stageName(after.stage()),
            h.kind().name(),
            "lifted",
            null,
            null,
            null,
            null,
            h.subject(),
            h.reason());
      }
    }
    for (Command c : commands) {
      if (c instanceof Command.Notify n) {
        add(
            at,
            "NOTIFICATION",
            null,
            n.level().name(),
            null,
            null,
            null,
            null,
            null,
            null,
            n.text());
      }
    }
  }

  /** Each rule that waited for {@code m}, with its measurement as the engine judged it. */
  void measured(CutoverState before, CutoverState after, Event.Measured m) {
    if (!versions.ledger()) {
      return;
    }
    Plan plan = start.plan();
    for (RuleState r : before.rules().values()) {
      if (r.inFlight() == null || r.inFlight() != m.seq()) {
        continue;
      }
      RuleState now = after.rules().get(r.id());
      Measurement judged =
          now != null && now.latest() != null && now.latest().at() == m.at()
              ? now.latest()
              : judge(plan, r, m);
      Comparison pass = passOf(plan, r);
      add(
          m.at(),
          "MEASUREMENT",
          r.stage() >= 0 ? stageName(r.stage()) : null,
          r.check(),
          r.id(),
          r.role().name().toLowerCase(Locale.ROOT),
          null,
          judged.value(),
          judged.outcome().name(),
          pass == null ? null : pass.toString(),
          judged.reason());
    }
  }

  /** The effect in flight in {@code before}, done or failed as {@code done} says. */
  void effectDone(CutoverState before, Event.EffectDone done) {
    if (!versions.ledger()) {
      return;
    }
    CutoverState.InFlightEffect effect = before.cursor().effect();
    if (effect == null || effect.seq() != done.seq()) {
      return;
    }
    Step s = effect.step();
    String what =
        s.kind().name().toLowerCase(Locale.ROOT)
            + (s.percent() != null ? " " + s.percent() + "%" : "")
            + (s.kind() == Step.Kind.FLAGS ? " " + s.flags().keySet() : "")
            + (s.kind() == Step.Kind.TRAFFIC || s.kind() == Step.Kind.FLAGS
                ? ""
                : " #" + s.index());
    String result = done.ok() ? done.detail() : done.failureType() + ": " + done.detail();
    add(
        done.at(),
        "EFFECT",
        stageName(s.stage()),
        what,
        null,
        null,
        done.ok(),
        null,
        null,
        s.key(),
        result);
  }

  /**
   * Sends what is pending, unless a batch is in flight already or only measurements wait, fewer
   * than a batch, none older than {@link #MEASUREMENTS_WAIT} (a watch measured every minute then
   * costs one activity per ten minutes, not one per minute).
   */
  void flush() {
    send(false);
  }

  private void send(boolean everything) {
    if (!versions.ledger() || (sending != null && !sending.isCompleted())) {
      return;
    }
    if (sending != null && sending.getFailure() != null) {
      // Not kept by any worker (it retried for an hour): sent again, first.
      pending.addAll(0, sent);
    }
    sending = null;
    if (pending.isEmpty() || (!everything && !due())) {
      return;
    }
    List<LedgerEntry> batch =
        new ArrayList<>(pending.subList(0, Math.min(BATCH_MAX, pending.size())));
    pending.subList(0, batch.size()).clear();
    sent = batch;
    sending = Async.procedure(stub()::record, batch(batch));
  }

  /** Whether what is pending should go now (see {@link #flush}). */
  private boolean due() {
    if (pending.isEmpty()) {
      return false;
    }
    if (pending.size() >= BATCH_MAX
        || pending.stream().anyMatch(e -> !"MEASUREMENT".equals(e.kind()))) {
      return true;
    }
    return Workflow.currentTimeMillis() - pending.get(0).at() >= MEASUREMENTS_WAIT.toMillis();
  }

  /** A batch has come back and more is pending: worth a pass of the main loop. */
  boolean wantsToSend() {
    if (!versions.ledger()) {
      return false;
    }
    if (sending == null) {
      return due();
    }
    return sending.isCompleted() && (due() || sending.getFailure() != null);
  }

  /**
   * Before the run ends or continues as new: sends everything pending and waits (at most {@link
   * #DRAIN_WAIT} in all, or until {@code interrupted}) for it to reach the worker. False if it has
   * not (the run should handle what interrupted it first).
   */
  boolean drain(java.util.function.BooleanSupplier interrupted) {
    if (!versions.ledger()) {
      return true;
    }
    // One deadline for the run, not for each attempt: a stream of signals interrupts every
    // attempt and adds a record each time, and must not hold continue-as-new back past it.
    if (drainDeadline == 0) {
      drainDeadline = Workflow.currentTimeMillis() + DRAIN_WAIT.toMillis();
    }
    long deadline = ContinueAsNew.overdue() ? Workflow.currentTimeMillis() : drainDeadline;
    while (true) {
      send(true);
      boolean idle = pending.isEmpty() && (sending == null || sending.isCompleted());
      long left = deadline - Workflow.currentTimeMillis();
      if (idle || left <= 0 || interrupted.getAsBoolean()) {
        if (!idle && left <= 0) {
          log.warn(
              "ledger: {} records not handed to the worker before the run ended", pending.size());
        }
        return idle || left <= 0;
      }
      Console.await(
          Duration.ofMillis(left),
          "wait for the ledger",
          () -> sending.isCompleted() || interrupted.getAsBoolean());
    }
  }

  private LedgerBatch batch(List<LedgerEntry> entries) {
    var info = Workflow.getInfo();
    return new LedgerBatch(
        info.getWorkflowId(),
        info.getFirstExecutionRunId(),
        info.getRunId(),
        start.plan().name(),
        run.startedBy(),
        run.startedAt(),
        entries);
  }

  private LedgerActivities stub() {
    if (stub == null) {
      stub =
          Workflow.newActivityStub(
              LedgerActivities.class,
              ActivityOptions.newBuilder()
                  .setSummary("record to the ledger")
                  .setStartToCloseTimeout(Duration.ofSeconds(10))
                  .setRetryOptions(
                      RetryOptions.newBuilder()
                          .setInitialInterval(Duration.ofSeconds(1))
                          .setMaximumInterval(Duration.ofSeconds(30))
                          .build())
                  .setScheduleToCloseTimeout(Duration.ofHours(1))
                  .build());
    }
    return stub;
  }

  private void add(
      long at,
      String kind,
      String stage,
      String subject,
      String detail,
      String by,
      Boolean ok,
      Double value,
      String outcome,
      String threshold,
      String text) {
    pending.add(
        new LedgerEntry(
            ++seq, at, kind, stage, subject, detail, by, ok, value, outcome, threshold, text));
  }

  /**
   * Anyone who may signal can send rejected signals at will, and each record travels in an
   * activity's input in history: a rejection's text (its reason, the sender's words) is kept short
   * so that a flood of them cannot grow the run much more than the signals themselves do.
   */
  static final int REJECTED_TEXT_MAX = 160;

  static String shortened(String text) {
    return text == null || text.length() <= REJECTED_TEXT_MAX
        ? text
        : text.substring(0, REJECTED_TEXT_MAX - 1) + "…";
  }

  private String stageName(int index) {
    return index >= 0 && index < start.plan().stages().size()
        ? start.plan().stages().get(index).name()
        : null;
  }

  /**
   * The entries of {@code after} that {@code before} did not have. The journal keeps a bounded
   * list, so what is new is what follows the last entry {@code before} had.
   */
  static <T> List<T> added(List<T> before, List<T> after) {
    if (before.isEmpty()) {
      return after;
    }
    T last = before.get(before.size() - 1);
    int at = after.lastIndexOf(last);
    return at < 0 ? after : after.subList(at + 1, after.size());
  }

  static Measurement judge(Plan plan, RuleState r, Event.Measured m) {
    Reading reading =
        m.readings().stream()
            .filter(x -> x.check().equals(r.check()))
            .findFirst()
            .orElse(Reading.error(r.check(), "no reading returned for this check"));
    return plan.check(r.check()).source() instanceof Check.Compare cmp
        ? ProportionTest.judge(cmp, reading, m.at())
        : Judge.judge(reading, passOf(plan, r), m.at());
  }

  /** The comparison {@code r} is judged by: its own override, or its check's. */
  static Comparison passOf(Plan plan, RuleState r) {
    Rule rule = null;
    try {
      rule =
          switch (r.role()) {
            case PREREQUISITE -> plan.prerequisites().get(r.index());
            case GATE -> plan.stages().get(r.stage()).gates().get(r.index());
            case WATCH -> plan.watch().get(r.index());
            default -> null;
          };
    } catch (IndexOutOfBoundsException e) {
      rule = null;
    }
    Comparison own = rule == null ? null : rule.passOverride().orElse(null);
    return own != null ? own : plan.check(r.check()).pass();
  }
}
