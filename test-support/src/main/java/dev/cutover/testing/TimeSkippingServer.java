package dev.cutover.testing;

import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.testing.TestWorkflowEnvironment;
import java.lang.reflect.Field;
import java.util.Collection;
import java.util.LinkedList;
import java.util.List;
import java.util.concurrent.locks.Lock;

/**
 * Works around a fault of the in-memory time-skipping test server (temporal-testing 1.38) that long
 * cutovers meet. The server's clock keeps a list of every time-skipping lock and unlock "for
 * debugging"; the locks and unlocks made for activities and workflow tasks are added to it and
 * never taken out, and every other unlock looks its own entry up from the list's head. Each of the
 * two workflow tasks and one activity of a measurement round makes that search longer, so a run's
 * cost grows with the square of its rounds: the seed-001 plan's 26,000 rounds spent nine tenths of
 * their time in that search (a JFR profile: {@code LinkedList.remove} under {@code
 * SelfAdvancingTimerImpl$TimerLockHandle.unlock}). Entries removed by their handle were added
 * moments before, so searching from the tail finds them at once.
 */
public final class TimeSkippingServer {
  private TimeSkippingServer() {}

  /**
   * Makes {@code env}'s test server search its lock list from the tail. Does nothing for an
   * environment on an external service; fails, naming what changed, if the server's internals are
   * not as this expects (a newer temporal-testing: check whether the fault is gone, then drop
   * this).
   */
  public static void keepUnlocksCheap(TestWorkflowEnvironment env) {
    try {
      Object service = read(env, "service");
      if (service == null) {
        return;
      }
      Object timer = read(service, "selfAdvancingTimer");
      Lock lock = (Lock) read(timer, "lock");
      Field events = timer.getClass().getDeclaredField("lockEvents");
      events.setAccessible(true);
      lock.lock();
      try {
        @SuppressWarnings("unchecked")
        LinkedList<Object> kept = (LinkedList<Object>) events.get(timer);
        events.set(timer, new SearchedFromTheTail<>(kept));
      } finally {
        lock.unlock();
      }
    } catch (ReflectiveOperationException | ClassCastException e) {
      throw new IllegalStateException(
          "the in-memory test server is not the one TimeSkippingServer works around"
              + " (temporal-testing 1.38): "
              + e,
          e);
    }
  }

  /**
   * Activities scheduled in a closed run that never closed. The in-memory test server holds its
   * clock for each activity until it completes, and an activity of a run that has closed never
   * completes there: one left open by continue-as-new stops time skipping for good.
   */
  public static List<String> activitiesOpenAtEnd(List<HistoryEvent> h) {
    java.util.Map<Long, String> open = new java.util.LinkedHashMap<>();
    for (HistoryEvent e : h) {
      switch (e.getEventType()) {
        case EVENT_TYPE_ACTIVITY_TASK_SCHEDULED ->
            open.put(
                e.getEventId(),
                e.getActivityTaskScheduledEventAttributes().getActivityType().getName()
                    + " (event "
                    + e.getEventId()
                    + ")");
        case EVENT_TYPE_ACTIVITY_TASK_COMPLETED ->
            open.remove(e.getActivityTaskCompletedEventAttributes().getScheduledEventId());
        case EVENT_TYPE_ACTIVITY_TASK_FAILED ->
            open.remove(e.getActivityTaskFailedEventAttributes().getScheduledEventId());
        case EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT ->
            open.remove(e.getActivityTaskTimedOutEventAttributes().getScheduledEventId());
        case EVENT_TYPE_ACTIVITY_TASK_CANCELED ->
            open.remove(e.getActivityTaskCanceledEventAttributes().getScheduledEventId());
        default -> {}
      }
    }
    return List.copyOf(open.values());
  }

  private static Object read(Object owner, String name) throws ReflectiveOperationException {
    Field f = owner.getClass().getDeclaredField(name);
    f.setAccessible(true);
    return f.get(owner);
  }

  /** A list whose {@code remove(Object)} finds the newest equal element first. */
  private static final class SearchedFromTheTail<E> extends LinkedList<E> {
    private static final long serialVersionUID = 1L;

    SearchedFromTheTail(Collection<E> elements) {
      super(elements);
    }

    @Override
    public boolean remove(Object o) {
      return removeLastOccurrence(o);
    }
  }
}
