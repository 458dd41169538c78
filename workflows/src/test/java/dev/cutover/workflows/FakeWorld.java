package dev.cutover.workflows;

import dev.cutover.engine.Reading;
import dev.cutover.engine.Step;
import dev.cutover.plan.Names;
import io.temporal.failure.ApplicationFailure;
import java.security.PublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A hand-written stand-in for production, for workflow plumbing tests: measurements read scripted
 * values by check name; effects are recorded in order (and can be told to fail); notifications are
 * kept; signatures are verified with the real {@link SignedSignals} against the keys given with
 * {@link #approver} (none: no signature verifies). Thread-safe: activities run on worker threads.
 */
final class FakeWorld implements CutoverActivities {
  final Map<String, Reading> readings = new ConcurrentHashMap<>();
  final List<Step> effects = Collections.synchronizedList(new ArrayList<>());
  final List<String> keys = Collections.synchronizedList(new ArrayList<>());
  final List<String> notes = Collections.synchronizedList(new ArrayList<>());
  final List<NotifyRequest> notifyRequests = Collections.synchronizedList(new ArrayList<>());
  final AtomicInteger measureCalls = new AtomicInteger();

  /**
   * Calls of the activities kept for cutovers started before typed requests ({@code measure},
   * {@code apply}).
   */
  final AtomicInteger legacyCalls = new AtomicInteger();

  final List<MeasureChecksRequest> measureChecksRequests =
      Collections.synchronizedList(new ArrayList<>());
  final List<ApplyEffectRequest> applyEffectRequests =
      Collections.synchronizedList(new ArrayList<>());

  /** The next this many measurement attempts throw (as a worker whose source broke would). */
  final AtomicInteger failNextMeasures = new AtomicInteger();

  final AtomicInteger failNextEffects = new AtomicInteger();
  final List<AdmitRequest> admitted = Collections.synchronizedList(new ArrayList<>());
  final List<String> refusals = Collections.synchronizedList(new ArrayList<>());
  final AtomicInteger failNextAdmissions = new AtomicInteger();
  volatile boolean signaturesRequired;

  /** The worker's approver keyring: public keys by {@link Names#key}. */
  final Map<String, List<PublicKey>> approverKeys = new ConcurrentHashMap<>();

  /** The verifier's clock; tests on skipped time set the test environment's. */
  volatile Supplier<Instant> clock = Instant::now;

  final List<SignatureRequest> verified = Collections.synchronizedList(new ArrayList<>());

  /** The keyring cannot be read: every verification fails (the activity throws). */
  volatile boolean keyringBroken;

  FakeWorld value(String check, double v) {
    readings.put(check, Reading.value(check, v, null));
    return this;
  }

  FakeWorld ok(String check) {
    readings.put(check, Reading.expectations(check, null, List.of(), "HTTP 200"));
    return this;
  }

  /** The worker's admission refuses every plan, giving these reasons. */
  FakeWorld refuse(String... reasons) {
    refusals.addAll(List.of(reasons));
    return this;
  }

  /** Lists {@code key} for {@code name} in the worker's approver keyring. */
  FakeWorld approver(String name, PublicKey key) {
    approverKeys
        .computeIfAbsent(Names.key(name), k -> Collections.synchronizedList(new ArrayList<>()))
        .add(key);
    return this;
  }

  FakeWorld error(String check) {
    readings.put(check, Reading.error(check, "connection refused"));
    return this;
  }

  @Override
  public List<Reading> measureChecks(MeasureChecksRequest request) {
    measureChecksRequests.add(request);
    if (failNextMeasures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      throw new IllegalStateException("prometheus answered 503");
    }
    return read(request.checks().stream().map(c -> c.check().name()).toList());
  }

  @Override
  public List<Reading> measure(MeasureRequest request) {
    legacyCalls.incrementAndGet();
    return read(request.checks().stream().map(MeasureRequest.CheckSpec::name).toList());
  }

  private List<Reading> read(List<String> checks) {
    measureCalls.incrementAndGet();
    return checks.stream()
        .map(c -> readings.getOrDefault(c, Reading.error(c, "no value scripted")))
        .toList();
  }

  @Override
  public String applyEffect(ApplyEffectRequest request) {
    applyEffectRequests.add(request);
    return applied(request.step(), request.idempotencyKey());
  }

  /** What {@link #applyEffectWithOutputs} returns besides "done" (step outputs). */
  final Map<String, String> outputs = new ConcurrentHashMap<>();

  @Override
  public EffectResult applyEffectWithOutputs(ApplyEffectRequest request) {
    return new EffectResult(applyEffect(request), Map.copyOf(outputs));
  }

  @Override
  public String apply(EffectRequest request) {
    legacyCalls.incrementAndGet();
    return applied(request.step(), request.idempotencyKey());
  }

  private String applied(Step step, String key) {
    if (failNextEffects.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      throw ApplicationFailure.newNonRetryableFailure(
          "PUT flags:/x answered 403", FailureTypes.CLIENT_ERROR);
    }
    effects.add(step);
    keys.add(key);
    return "done";
  }

  @Override
  public void notifyPeople(NotifyRequest request) {
    notes.add(request.text());
    notifyRequests.add(request);
  }

  @Override
  public Admission admit(AdmitRequest request) {
    if (failNextAdmissions.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      throw new IllegalStateException("keyring file unreadable");
    }
    admitted.add(request);
    return new Admission(List.copyOf(refusals), signaturesRequired);
  }

  @Override
  public SignatureVerdict verifySignature(SignatureRequest request) {
    verified.add(request);
    if (keyringBroken) {
      throw new IllegalStateException("keyring file unreadable");
    }
    String by = request.payload() == null ? null : request.payload().by();
    List<PublicKey> keys =
        by == null ? List.of() : List.copyOf(approverKeys.getOrDefault(Names.key(by), List.of()));
    return SignedSignals.verify(
        keys, request.workflowId(), request.signal(), request.payload(), clock.get());
  }

  List<Integer> traffic() {
    synchronized (effects) {
      return effects.stream()
          .filter(s -> s.kind() == Step.Kind.TRAFFIC)
          .map(Step::percent)
          .toList();
    }
  }
}
