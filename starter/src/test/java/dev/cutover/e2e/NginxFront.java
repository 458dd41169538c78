package dev.cutover.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real nginx ({@code CUTOVER_TEST_NGINX_BIN}) on 127.0.0.1 in front of a "blue" and a "green"
 * upstream: everything (configuration, pid file, logs, temp paths) in one directory, the split
 * file {@code split/split.conf} included from {@code http {}}, master process on so that {@code
 * nginx -s reload -c <config>} from the worker reaches it. The variable is {@code $cutover_upstream}.
 */
final class NginxFront implements AutoCloseable {
  final Path dir;
  final Path config;
  final Path splitDir;
  final Path splitFile;
  final int port;
  private final Process process;

  private NginxFront(Path dir, Path config, int port, Process process) {
    this.dir = dir;
    this.config = config;
    this.splitDir = dir.resolve("split");
    this.splitFile = splitDir.resolve("split.conf");
    this.port = port;
    this.process = process;
  }

  static String bin() {
    return Services.require("CUTOVER_TEST_NGINX_BIN");
  }

  /** The split file an operator would put in place before the cutover: everything to blue. */
  static String allBlue(String key) {
    return "split_clients \"" + key + "\" $cutover_upstream {\n    * blue;\n}\n";
  }

  static NginxFront start(Path dir, int bluePort, int greenPort, String initialSplit) throws IOException, InterruptedException {
    String bin = bin();
    int port = Services.freePort();
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
        """.formatted(dir, bluePort, greenPort, port));
    Process p = new ProcessBuilder(bin, "-c", config.toString(), "-e", dir.resolve("error.log").toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile()).start();
    NginxFront front = new NginxFront(dir, config, port, p);
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (true) {
      try (Socket ignored = new Socket(InetAddress.getLoopbackAddress(), port)) {
        return front;
      } catch (IOException notYet) {
        if (!p.isAlive() || System.nanoTime() > deadline) {
          front.close();
          throw new IllegalStateException("nginx did not start: " + Files.readString(dir.resolve("nginx.out")));
        }
        Thread.sleep(50);
      }
    }
  }

  /** One GET of {@code path} through nginx on a new connection: the body, or an exception for anything but 200. */
  String get(String path) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(5_000);
      OutputStream out = socket.getOutputStream();
      out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
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

  /** How {@code n} requests to {@code /} were answered: by blue, by green, or not at all. */
  record Share(int blue, int green, int failed) {
    double greenPercent() {
      return 100.0 * green / (blue + green + failed);
    }
  }

  Share send(int n) {
    int b = 0;
    int g = 0;
    int f = 0;
    for (int i = 0; i < n; i++) {
      try {
        String body = get("/");
        if (body.equals("green")) {
          g++;
        } else if (body.equals("blue")) {
          b++;
        } else {
          f++;
        }
      } catch (IOException e) {
        f++;
      }
    }
    return new Share(b, g, f);
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      List<ProcessHandle> workers = process.descendants().toList();
      process.destroy();
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      workers.forEach(ProcessHandle::destroyForcibly);
    }
  }
}
