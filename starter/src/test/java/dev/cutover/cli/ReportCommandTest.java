package dev.cutover.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import org.junit.jupiter.api.Test;

class ReportCommandTest {
  @Test
  void withoutALedgerTheReportIsBadInputNamingTheVariable() {
    assumeThat(System.getenv("CUTOVER_LEDGER_URL")).isNull();
    Cli.Result r = Cli.run("report", "checkout-v2");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err())
        .contains("CUTOVER_LEDGER_URL is not set: the report reads the cutover ledger");
  }
}
