package dev.cutover.cli;

import dev.cutover.engine.Status;
import io.temporal.client.WorkflowClient;
import java.io.PrintWriter;
import java.time.ZoneId;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "status",
    description =
        "Show a cutover: stage, percent, state, soak remaining, every rule against its threshold.")
final class StatusCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  private static final Set<String> FINAL = Set.of("COMPLETED", "ABANDONED");

  @Parameters(paramLabel = "ID", description = "workflow id (cutover-NAME) or plan name")
  String id;

  @Option(
      names = {"-w", "--watch"},
      description =
          "follow it until it ends: redraw in place every --interval seconds on a terminal (plain"
              + " frames when piped), with each rule's recent values")
  boolean watch;

  @Option(names = "--interval", description = "seconds between redraws (default 2)")
  int interval = 2;

  @Mixin ZoneOption zone;

  /** Redraw in place (a terminal) or print plain frames (a pipe); tests set it. */
  boolean terminal = WatchScreen.onTerminal();

  @Mixin TemporalOptions temporal;

  @Mixin OutputOptions output;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    ZoneId shownIn = zone.zone();
    WorkflowClient client = temporal.connect();
    String wid = Ids.workflowId(id);
    WatchScreen screen = new WatchScreen(terminal);
    while (true) {
      Status s = Cutovers.status(client, wid);
      if (output.json()) {
        out.println(OutputOptions.toJson(s));
      } else if (watch) {
        out.print(
            screen.frame(s, StatusText.render(s, shownIn), StatusText.time(s.asOf(), shownIn)));
      } else {
        out.print(StatusText.render(s, shownIn));
      }
      out.flush();
      if (!watch || FINAL.contains(s.state())) {
        return ExitCodes.OK;
      }
      Thread.sleep(Math.max(1, interval) * 1000L);
    }
  }
}
