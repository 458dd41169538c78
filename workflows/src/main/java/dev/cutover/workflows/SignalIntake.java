package dev.cutover.workflows;

import dev.cutover.engine.CutoverState;
import dev.cutover.engine.Engine;
import dev.cutover.engine.Event;
import dev.cutover.engine.Signal;
import dev.cutover.plan.PlanReader;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Operator messages on their way to the engine: the inbox that signal and update handlers fill,
 * each message held to {@link SignalLimits} and its signature checked with the worker's keyring
 * before the engine reads it, and the answer an {@code operate} update waits for.
 */
final class SignalIntake {
  /** A signal as it arrived; {@code requestId} is the waiting {@code operate} update's, or null. */
  record Pending(String name, SignalPayload payload, String requestId) {}

  private final Versions versions;
  private final WorkflowStart start;
  private final ActivityStubs stubs;
  private final Deque<Pending> inbox = new ArrayDeque<>();
  private final Map<String, OperationResult> answered = new HashMap<>();

  SignalIntake(Versions versions, WorkflowStart start, ActivityStubs stubs) {
    this.versions = versions;
    this.start = start;
    this.stubs = stubs;
  }

  /**
   * Queues a message; handlers call this and nothing else, so the engine reads messages in order.
   */
  void receive(String name, SignalPayload p, String requestId) {
    inbox.add(new Pending(name, p, requestId));
  }

  boolean isEmpty() {
    return inbox.isEmpty();
  }

  Pending next() {
    return inbox.poll();
  }

  /**
   * The engine's answer to a message: a refusal recorded when it breaks the bounds, otherwise the
   * signal (with its signature's verdict) as an event. Cutovers started before {@link
   * Versions#BOUNDED_SIGNALS} read it unchecked.
   */
  Engine.Transition read(Pending p, CutoverState state) {
    Engine engine = start.engine();
    if (versions.boundedSignals()) {
      SignalLimits.Checked c = SignalLimits.check(p.payload());
      if (c.refusal() != null) {
        return engine.refuse(state, now(), c.by(), p.name(), c.refusal());
      }
      Signal signal = signal(p.name(), c.payload()).withSignature(signature(p.name(), p.payload()));
      return engine.on(state, new Event.SignalReceived(now(), signal));
    }
    SignalPayload s =
        p.payload() == null ? new SignalPayload(null, null, null, null, null) : p.payload();
    return engine.on(state, new Event.SignalReceived(now(), signal(p.name(), s)));
  }

  /** Stores the answer for the {@code operate} update waiting on {@code p}, if one is. */
  void answer(Pending p, List<CutoverState.Decision> before, CutoverState state) {
    if (p.requestId() != null) {
      CutoverState.Decision d = decisionOn(before, state.decisions());
      answered.put(
          p.requestId(), new OperationResult(d.accepted(), d.text(), state.displayState().name()));
    }
  }

  /** The {@code operate} update: queues the message and waits for the decision it produced. */
  OperationResult operate(Operation op) {
    Workflow.await(() -> start.planProblems() != null);
    if (start.plan() == null) {
      return new OperationResult(false, "rejected: the plan is invalid", "FAILED");
    }
    String requestId = Workflow.randomUUID().toString();
    receive(op.name(), op.payload(), requestId);
    Workflow.await(() -> answered.containsKey(requestId));
    return answered.remove(requestId);
  }

  /**
   * What the worker's approver keyring says of a signed promoting signal, checked over the payload
   * exactly as it arrived (what was signed). Only cutovers read by the {@code HARDENED} rules ask:
   * the ones started before signed signals existed never call the activity, so their histories
   * replay unchanged. A worker that cannot answer makes the signature invalid, never valid.
   */
  private Signal.Signature signature(String name, SignalPayload raw) {
    if (start.planRules() == null
        || start.planRules().compareTo(PlanReader.Rules.HARDENED) < 0
        || !SignedSignals.needsVerification(name, raw)) {
      return Signal.Signature.UNSIGNED;
    }
    String workflowId = Workflow.getInfo().getWorkflowId();
    String shape = SignedSignals.shapeProblem(raw, Instant.ofEpochMilli(now()));
    if (shape != null) {
      return Signal.Signature.invalid(shape); // garbage costs no call to the worker
    }
    SignatureVerdict verdict;
    try {
      verdict = stubs.signatures().verifySignature(new SignatureRequest(workflowId, name, raw));
    } catch (ActivityFailure e) {
      verdict = new SignatureVerdict(false, "the worker could not check the signature");
    }
    return SignedSignals.toSignature(workflowId, name, raw, verdict);
  }

  /**
   * The decision a signal itself produced: the first one recorded after {@code before}, not what
   * followed from it (an approval that completes a stage is answered "approved stage canary", not
   * "stage half starts"). The journal keeps only its latest entries, so the old newest entry is
   * looked for rather than counted from the start.
   */
  private static CutoverState.Decision decisionOn(
      List<CutoverState.Decision> before, List<CutoverState.Decision> after) {
    int first = before.isEmpty() ? 0 : after.lastIndexOf(before.get(before.size() - 1)) + 1;
    return after.get(first < after.size() ? first : after.size() - 1);
  }

  private static Signal signal(String name, SignalPayload s) {
    return new Signal(
        name,
        s.by(),
        s.reason(),
        s.stage(),
        s.check(),
        s.comment(),
        s.task(),
        Signal.Signature.UNSIGNED);
  }

  private static long now() {
    return Workflow.currentTimeMillis();
  }
}
