package dev.cutover.activities;

import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real nginx (Debian's, from {@code CUTOVER_TEST_NGINX_BIN}) on 127.0.0.1 in front of two JDK
 * HTTP services, "blue" and "green", each answering its own name. Its configuration, pid file,
 * error log and temp paths live in one directory; the split file is {@code split/split.conf}
 * under it, included from {@code http {}}; master process on (so {@code nginx -s reload} works),
 * no {@code user} directive (workers run as nginx's default when started as root).
 */
final class NginxServer implements AutoCloseable {
  final Path dir;
  final Path config;
  final Path splitDir;
  final Path splitFile;
  final int port;
  private final Process process;
  private final HttpServer blue;
  private final HttpServer green;
  private final ExecutorService backendThreads;

  private NginxServer(Path dir, Path config, int port, Process process, HttpServer blue, HttpServer green,
      ExecutorService backendThreads) {
    this.dir = dir;
    this.config = config;
    this.splitDir = dir.resolve("split");
    this.splitFile = splitDir.resolve("split.conf");
    this.port = port;
    this.process = process;
    this.blue = blue;
    this.green = green;
    this.backendThreads = backendThreads;
  }

  /** The nginx binary ./run-tests installs; skips (or, under ./run-tests, fails) the test without one. */
  static String bin() {
    String bin = System.getenv("CUTOVER_TEST_NGINX_BIN");
    if (bin == null || bin.isBlank()) {
      if ("1".equals(System.getenv("CUTOVER_TEST_REQUIRE_SERVICES"))) {
        fail("CUTOVER_TEST_NGINX_BIN is not set, but CUTOVER_TEST_REQUIRE_SERVICES=1: run the tests with ./run-tests");
      }
      assumeTrue(false, "no nginx: run ./run-tests, or eval \"$(./run-tests --env-only)\" first");
    }
    return bin;
  }

  /** Starts blue, green and nginx with {@code initialSplit} as the split file's text. */
  static NginxServer start(Path dir, String initialSplit) throws IOException, InterruptedException {
    String bin = bin();
    ExecutorService threads = Executors.newFixedThreadPool(16);
    HttpServer blue = backend("blue", threads);
    HttpServer green = backend("green", threads);
    int port = freePort();
    Files.createDirectories(dir.resolve("split"));
    Files.writeString(dir.resolve("split/split.conf"), initialSplit);
    Path config = dir.resolve("nginx.conf");
    Files.writeString(config, """
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
        """.formatted(dir, blue.getAddress().getPort(), green.getAddress().getPort(), port));
    Process p = new ProcessBuilder(bin, "-c", config.toString(), "-e", dir.resolve("error.log").toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile()).start();
    NginxServer s = new NginxServer(dir, config, port, p, blue, green, threads);
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (true) {
      try (Socket ignored = new Socket(InetAddress.getLoopbackAddress(), port)) {
        break;
      } catch (IOException notYet) {
        if (!p.isAlive() || System.nanoTime() > deadline) {
          String out = Files.exists(dir.resolve("nginx.out")) ? Files.readString(dir.resolve("nginx.out")) : "";
          s.close();
          throw new IllegalStateException("nginx did not start: " + out);
        }
        Thread.sleep(50);
      }
    }
    return s;
  }

  private static HttpServer backend(String name, ExecutorService threads) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
    byte[] body = name.getBytes(StandardCharsets.UTF_8);
    server.createContext("/", exchange -> {
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

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * One GET through nginx on a new connection ({@code Connection: close}): the body ("blue" or
   * "green"), or an exception for anything but a 200.
   */
  String get() throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(5_000);
      OutputStream out = socket.getOutputStream();
      out.write(("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
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

  /** Counts of answers to {@code n} sequential requests. */
  record Counts(int blue, int green, int failed, List<String> failures) {
    double greenShare() {
      return (double) green / (blue + green + failed);
    }
  }

  Counts send(int n) {
    int b = 0;
    int g = 0;
    List<String> failures = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      try {
        String body = get();
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

  /** Requests from {@code threads} threads until {@link Load#stop}, at most {@code max} in all. */
  Load load(int threads, int max) {
    return new Load(this, threads, max);
  }

  static final class Load {
    final AtomicInteger ok = new AtomicInteger();
    final AtomicInteger failed = new AtomicInteger();
    final List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Thread> threads = new ArrayList<>();

    Load(NginxServer nginx, int n, int max) {
      AtomicInteger budget = new AtomicInteger(max);
      for (int i = 0; i < n; i++) {
        Thread t = new Thread(() -> {
          while (!stop.get() && budget.getAndDecrement() > 0) {
            try {
              nginx.get();
              ok.incrementAndGet();
            } catch (IOException e) {
              failed.incrementAndGet();
              if (failures.size() < 5) {
                failures.add(e.toString());
              }
            }
          }
        }, "load-" + i);
        t.setDaemon(true);
        t.start();
        threads.add(t);
      }
    }

    void stop() throws InterruptedException {
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
    blue.stop(0);
    green.stop(0);
    backendThreads.shutdownNow();
  }
}
