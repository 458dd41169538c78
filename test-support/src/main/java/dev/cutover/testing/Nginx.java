package dev.cutover.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real nginx on 127.0.0.1 in front of a "blue" and a "green" upstream. Its configuration, pid
 * file, error log and temp paths live in one directory; the split file is {@code split/split.conf}
 * under it, included from {@code http {}}, choosing {@code $cutover_upstream}; master process on
 * (so that {@code nginx -s reload -c <config>} from a worker reaches it), no {@code user} directive
 * (workers run as nginx's default when started as root).
 */
public final class Nginx implements AutoCloseable {
  public final Path dir;
  public final Path config;
  public final Path splitDir;
  public final Path splitFile;
  public final int port;
  private final Process process;
  private final List<HttpServer> backends = new ArrayList<>();
  private ExecutorService backendThreads;

  private Nginx(Path dir, Path config, int port, Process process) {
    this.dir = dir;
    this.config = config;
    this.splitDir = dir.resolve("split");
    this.splitFile = splitDir.resolve("split.conf");
    this.port = port;
    this.process = process;
  }

  /** The split file an operator would put in place before the cutover: everything to blue. */
  public static String allBlue(String key) {
    return "split_clients \"" + key + "\" $cutover_upstream {\n    * blue;\n}\n";
  }

  /**
   * Starts nginx ({@code bin}) in {@code dir} with {@code initialSplit} as the split file's text.
   */
  @SuppressWarnings("try") // the probe connection only has to open
  public static Nginx start(String bin, Path dir, int bluePort, int greenPort, String initialSplit)
      throws IOException, InterruptedException {
    int port = TestServices.freePort();
    Files.createDirectories(dir.resolve("split"));
    Files.writeString(dir.resolve("split/split.conf"), initialSplit);
    Path config = dir.resolve("nginx.conf");
    Files.writeString(
        config,
        """
        daemon off;
        master_process on;
        worker_processes 2;
        pid %1$s/nginx.pid;
        error_log %1$s/error.log notice;
        events { worker_connections 512; }
        http {
          access_log off;
          client_body_temp_path %1$s/client_body;
          proxy_temp_path %1$s/proxy;
          fastcgi_temp_path %1$s/fastcgi;
          uwsgi_temp_path %1$s/uwsgi;
          scgi_temp_path %1$s/scgi;
          include %1$s/split/*.conf;
          upstream blue { server 127.0.0.1:%2$d; }
          upstream green { server 127.0.0.1:%3$d; }
          server {
            listen 127.0.0.1:%4$d;
            location / { proxy_pass http://$cutover_upstream; }
          }
        }
        """
            .formatted(dir, bluePort, greenPort, port));
    Process p =
        new ProcessBuilder(bin, "-c", config.toString(), "-e", dir.resolve("error.log").toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("nginx.out").toFile())
            .start();
    Nginx nginx = new Nginx(dir, config, port, p);
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (true) {
      try (Socket ignored = new Socket(InetAddress.getLoopbackAddress(), port)) {
        return nginx;
      } catch (IOException notYet) {
        if (!p.isAlive() || System.nanoTime() > deadline) {
          Path out = dir.resolve("nginx.out");
          String said = Files.exists(out) ? Files.readString(out) : "";
          nginx.close();
          throw new IllegalStateException("nginx did not start: " + said);
        }
        Thread.sleep(50);
      }
    }
  }

  /**
   * As {@link #start}, in front of two JDK HTTP services of its own, "blue" and "green", each
   * answering every request with its name; they stop with nginx.
   */
  public static Nginx startWithBackends(String bin, Path dir, String initialSplit)
      throws IOException, InterruptedException {
    ExecutorService threads = Executors.newFixedThreadPool(16);
    HttpServer blue = null;
    HttpServer green = null;
    try {
      blue = backend("blue", threads);
      green = backend("green", threads);
      Nginx nginx =
          start(bin, dir, blue.getAddress().getPort(), green.getAddress().getPort(), initialSplit);
      nginx.backends.add(blue);
      nginx.backends.add(green);
      nginx.backendThreads = threads;
      return nginx;
    } catch (IOException | InterruptedException | RuntimeException e) {
      for (HttpServer s : new HttpServer[] {blue, green}) {
        if (s != null) {
          s.stop(0);
        }
      }
      threads.shutdownNow();
      throw e;
    }
  }

  private static HttpServer backend(String name, ExecutorService threads) throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
    byte[] body = name.getBytes(StandardCharsets.UTF_8);
    server.createContext(
        "/",
        exchange -> {
          exchange.getRequestBody().readAllBytes();
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.setExecutor(threads);
    server.start();
    return server;
  }

  /**
   * One GET of {@code path} through nginx on a new connection ({@code Connection: close}): the
   * body, or an exception for anything but a 200.
   */
  public String get(String path) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(5_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      if (!response.startsWith("HTTP/1.1 200 ")) {
        int eol = response.indexOf('\r');
        throw new IOException("answered " + (eol < 0 ? "nothing" : response.substring(0, eol)));
      }
      return response.substring(response.indexOf("\r\n\r\n") + 4);
    }
  }

  /**
   * How requests were answered: by blue, by green, or not at all (with the first five failures).
   */
  public record Counts(int blue, int green, int failed, List<String> failures) {
    public Counts {
      failures = List.copyOf(failures);
    }

    /** Blue and green answers, no failure. */
    public static Counts of(int blue, int green) {
      return new Counts(blue, green, 0, List.of());
    }

    public double greenPercent() {
      return 100.0 * green / (blue + green + failed);
    }
  }

  /** Sends {@code n} sequential requests to {@code /} and counts who answered. */
  public Counts send(int n) {
    int b = 0;
    int g = 0;
    List<String> failures = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      try {
        String body = get("/");
        if (body.equals("green")) {
          g++;
        } else if (body.equals("blue")) {
          b++;
        } else {
          failures.add("body " + body);
        }
      } catch (IOException e) {
        failures.add(e.toString());
      }
    }
    return new Counts(b, g, failures.size(), failures.subList(0, Math.min(5, failures.size())));
  }

  /**
   * Requests to {@code /} from {@code threads} threads until {@link Load#stop}, at most {@code max}
   * in all.
   */
  public Load load(int threads, int max) {
    return new Load(this, threads, max);
  }

  /**
   * Background load through nginx: how many requests succeeded and failed (and the first five
   * failures).
   */
  public static final class Load {
    public final AtomicInteger ok = new AtomicInteger();
    public final AtomicInteger failed = new AtomicInteger();
    public final List<String> failures = Collections.synchronizedList(new ArrayList<>());
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Thread> threads = new ArrayList<>();

    Load(Nginx nginx, int n, int max) {
      AtomicInteger budget = new AtomicInteger(max);
      for (int i = 0; i < n; i++) {
        Thread t =
            new Thread(
                () -> {
                  while (!stop.get() && budget.getAndDecrement() > 0) {
                    try {
                      nginx.get("/");
                      ok.incrementAndGet();
                    } catch (IOException e) {
                      failed.incrementAndGet();
                      if (failures.size() < 5) {
                        failures.add(e.toString());
                      }
                    }
                  }
                },
                "load-" + i);
        t.setDaemon(true);
        t.start();
        threads.add(t);
      }
    }

    public void stop() throws InterruptedException {
      stop.set(true);
      for (Thread t : threads) {
        t.join(10_000);
      }
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      List<ProcessHandle> workers = process.descendants().toList();
      process.destroy(); // SIGTERM: nginx's fast shutdown
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      workers.forEach(ProcessHandle::destroyForcibly);
    }
    backends.forEach(s -> s.stop(0));
    if (backendThreads != null) {
      backendThreads.shutdownNow();
    }
  }
}
