package dev.cutover.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/** What the bench runs on, and the /proc readings it samples (Linux; absent values read as -1). */
final class Machine {
  /** USER_HZ: the unit of utime/stime in /proc/PID/stat; 100 on every mainstream Linux build. */
  static final double CLOCK_TICKS_PER_SECOND = 100.0;

  private Machine() {}

  static void describe(Report r, String temporalAddress) {
    r.machine("processors (nproc)", Integer.toString(Runtime.getRuntime().availableProcessors()));
    r.machine("CPU", cpuModel());
    r.machine("memory", String.format(Locale.ROOT, "%.1f GiB", memTotalKb() / 1024.0 / 1024.0));
    r.machine(
        "OS",
        osName()
            + " (kernel "
            + System.getProperty("os.version")
            + ", "
            + System.getProperty("os.arch")
            + ")");
    r.machine(
        "JVM",
        System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
    r.machine(
        "Temporal",
        temporalAddress == null
            ? "none (figures that need the dev server are not measured)"
            : "dev server at " + temporalAddress + temporalVersion());
    r.machine("load average at start", loadAverage());
    r.machine("other busy processes at start (> 10% of a core)", busyProcesses());
  }

  static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return "unknown";
  }

  static long memTotalKb() {
    return meminfo("MemTotal:");
  }

  private static long meminfo(String key) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith(key)) {
          return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return -1;
  }

  static String osName() {
    try {
      for (String line : Files.readAllLines(Path.of("/etc/os-release"))) {
        if (line.startsWith("PRETTY_NAME=")) {
          return line.substring("PRETTY_NAME=".length()).replace("\"", "");
        }
      }
    } catch (IOException | RuntimeException e) {
      // fall through
    }
    return System.getProperty("os.name");
  }

  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2] + " (1, 5, 15 min)";
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  private static String temporalVersion() {
    String bin = System.getenv("CUTOVER_TEST_TEMPORAL_BIN");
    if (bin == null || bin.isBlank()) {
      return "";
    }
    try {
      Process p = new ProcessBuilder(bin, "--version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      p.waitFor(10, TimeUnit.SECONDS);
      return out.isEmpty() ? "" : " (" + out.lines().findFirst().orElse("") + ")";
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  /**
   * Processes other than this one that used more than 10% of a core over one second, busiest first
   * ("pid name NN%"): the bench shares the machine with them.
   */
  static String busyProcesses() {
    java.util.Map<Long, Long> before = allCpuTicks();
    try {
      Thread.sleep(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown";
    }
    java.util.Map<Long, Long> after = allCpuTicks();
    long self = ProcessHandle.current().pid();
    List<long[]> busy = new ArrayList<>();
    after.forEach(
        (pid, t) -> {
          Long b = before.get(pid);
          if (b != null && pid != self && t - b > CLOCK_TICKS_PER_SECOND / 10) {
            busy.add(new long[] {pid, t - b});
          }
        });
    busy.sort((x, y) -> Long.compare(y[1], x[1]));
    List<String> out = new ArrayList<>();
    for (long[] b : busy) {
      out.add(
          b[0]
              + " "
              + processName(b[0])
              + " "
              + Math.round(b[1] * 100 / CLOCK_TICKS_PER_SECOND)
              + "%");
    }
    return out.isEmpty() ? "none" : String.join(", ", out);
  }

  private static java.util.Map<Long, Long> allCpuTicks() {
    java.util.Map<Long, Long> out = new java.util.HashMap<>();
    java.io.File[] dirs =
        new java.io.File("/proc").listFiles((d, n) -> n.chars().allMatch(Character::isDigit));
    if (dirs != null) {
      for (java.io.File d : dirs) {
        long pid = Long.parseLong(d.getName());
        long t = cpuTicks(pid);
        if (t >= 0) {
          out.put(pid, t);
        }
      }
    }
    return out;
  }

  /**
   * The Temporal dev server serving {@code address} (host:port), found by its command line, or -1.
   */
  static long devServerPid(String address) {
    if (address == null) {
      return -1;
    }
    String port = address.substring(address.lastIndexOf(':') + 1);
    java.io.File[] dirs =
        new java.io.File("/proc").listFiles((d, n) -> n.chars().allMatch(Character::isDigit));
    if (dirs != null) {
      for (java.io.File d : dirs) {
        try {
          String cmd = Files.readString(d.toPath().resolve("cmdline")).replace('\0', ' ');
          if (cmd.contains("start-dev") && cmd.contains("--port " + port + " ")) {
            return Long.parseLong(d.getName());
          }
        } catch (IOException | RuntimeException e) {
          // gone, or not ours to read
        }
      }
    }
    return -1;
  }

  private static String processName(long pid) {
    try {
      String cmd = Files.readString(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' ').trim();
      if (cmd.contains("plexus-classworlds")) {
        return "(maven)";
      }
      if (cmd.contains("cutover-bench.jar")) {
        return "(another cutover bench)";
      }
      if (cmd.contains("surefire") || cmd.contains("failsafe")) {
        return "(maven test JVM)";
      }
      if (cmd.contains("cutover.jar worker")) {
        return "(cutover worker)";
      }
      if (cmd.contains("start-dev")) {
        return "(temporal dev server)";
      }
      String[] parts = cmd.split(" ");
      String exe = parts.length == 0 ? "" : parts[0];
      return "(" + exe.substring(exe.lastIndexOf('/') + 1) + ")";
    } catch (IOException | RuntimeException e) {
      return "(?)";
    }
  }

  /** VmRSS of a process in MB, or -1. */
  static double rssMb(long pid) {
    return statusKb(pid, "VmRSS:") / 1024.0;
  }

  /** VmHWM (peak RSS) of a process in MB, or -1. */
  static double peakRssMb(long pid) {
    return statusKb(pid, "VmHWM:") / 1024.0;
  }

  static int threads(long pid) {
    return (int) statusKb(pid, "Threads:");
  }

  private static long statusKb(long pid, String key) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith(key)) {
          return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException | RuntimeException e) {
      // gone
    }
    return -1;
  }

  /** utime + stime of a process, in clock ticks, or -1. */
  static long cpuTicks(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split("\\s+");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** {busy, total} jiffies of the whole machine from /proc/stat, or {-1, -1}. */
  static long[] machineTicks() {
    try {
      String first = Files.readAllLines(Path.of("/proc/stat")).get(0);
      String[] f = first.trim().split("\\s+");
      List<Long> v = new ArrayList<>();
      for (int i = 1; i < f.length; i++) {
        v.add(Long.parseLong(f[i]));
      }
      long total = v.stream().mapToLong(Long::longValue).sum();
      long idle = v.get(3) + (v.size() > 4 ? v.get(4) : 0);
      return new long[] {total - idle, total};
    } catch (IOException | RuntimeException e) {
      return new long[] {-1, -1};
    }
  }
}
