package dev.cutover.simulate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.engine.State;
import dev.cutover.plan.Plan;
import dev.cutover.plan.PlanReader;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SimulatorTest {
  static final long T0 = 1_700_000_000_000L;

  static Plan example(String name) throws IOException {
    return PlanReader.read(Files.readString(Path.of("..", "examples", name)));
  }

  @Test
  void theSeedPlanCompletesWithNoScript() throws IOException {
    Plan plan = example("full-pass-v2.yaml");
    var mx = ManagementFactory.getThreadMXBean();
    for (int i = 0; i < 5; i++) {
      long c0 = mx.getCurrentThreadCpuTime();
      long w0 = System.nanoTime();
      Simulation s = new Simulator(plan).run(Script.EMPTY, Simulator.Options.at(T0));
      System.out.printf(
          "cpu %.0f ms wall %.0f ms events %d%n",
          (mx.getCurrentThreadCpuTime() - c0) / 1e6, (System.nanoTime() - w0) / 1e6, s.events());
      assertThat(s.finalState()).isEqualTo(State.COMPLETED);
    }
  }
}
