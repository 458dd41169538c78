package dev.cutover.stats;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EvidenceTest {
  @Test
  void growthOfTheRunningTotalsCountsEveryRequestOnceHoweverTheReadingsAreTimed() {
    Evidence e = Evidence.origin(new Counts(5, 1000, 40, 9000));
    e = e.next(new Counts(6, 1100, 41, 9900));
    // a reading missed here changes nothing: the next one carries the growth
    e = e.next(new Counts(9, 1300, 50, 11_700));
    assertThat(e.sum()).isEqualTo(new Counts(4, 300, 10, 2700));
    assertThat(e.resets()).isZero();
  }

  @Test
  void aCountThatGoesBackLeavesThatIntervalOutAndGoesOnFromTheNewReading() {
    Evidence e = Evidence.origin(new Counts(5, 1000, 40, 9000));
    e = e.next(new Counts(6, 1100, 41, 9900));
    e = e.next(new Counts(0, 20, 42, 10_000)); // the new path's process restarted
    e = e.next(new Counts(2, 120, 43, 10_900));
    assertThat(e.sum()).isEqualTo(new Counts(3, 200, 2, 1800));
    assertThat(e.resets()).isEqualTo(1);
    assertThat(e.last()).isEqualTo(new Counts(2, 120, 43, 10_900));
  }

  @Test
  void shownWorseKeepsTheFirstTime() {
    Evidence e = Evidence.origin(Counts.ZERO).shownWorse(60_000).shownWorse(120_000);
    assertThat(e.shownWorseAt()).isEqualTo(60_000L);
    assertThat(e.next(new Counts(1, 10, 1, 10)).shownWorseAt()).isEqualTo(60_000L);
  }
}
