package dev.cutover.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP port that forwards to a real server while "up" and refuses connections while "down"
 * (nothing listens): a dependency going away and coming back on the same address, for a server the
 * test cannot stop itself (the shared PostgreSQL). Taking it down also cuts open connections.
 */
final class TcpForwarder implements AutoCloseable {
  private final int port;
  private final String targetHost;
  private final int targetPort;
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  private volatile ServerSocket listener;

  /** A forwarder on a free loopback port, down until {@link #up}. */
  TcpForwarder(String targetHost, int targetPort) {
    this.port = Services.freePort();
    this.targetHost = targetHost;
    this.targetPort = targetPort;
  }

  int port() {
    return port;
  }

  synchronized void up() throws IOException {
    if (listener != null) {
      return;
    }
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    listener = s;
    Thread accept =
        new Thread(
            () -> {
              while (!s.isClosed()) {
                try {
                  Socket client = s.accept();
                  Socket server = new Socket(targetHost, targetPort);
                  open.add(client);
                  open.add(server);
                  pump(client, server);
                  pump(server, client);
                } catch (IOException e) {
                  // closed by down(), or the target refused: drop this connection, keep listening
                }
              }
            },
            "forward-" + port);
    accept.setDaemon(true);
    accept.start();
  }

  /** Stops listening (connections are refused) and cuts every forwarded connection. */
  synchronized void down() throws IOException {
    if (listener != null) {
      listener.close();
      listener = null;
    }
    for (Socket s : open) {
      s.close();
    }
    open.clear();
  }

  private void pump(Socket from, Socket to) {
    Thread t =
        new Thread(
            () -> {
              byte[] buffer = new byte[16 * 1024];
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                  out.write(buffer, 0, n);
                  out.flush();
                }
              } catch (IOException e) {
                // one side closed
              } finally {
                try {
                  from.close();
                  to.close();
                } catch (IOException ignored) {
                  // already closed
                }
              }
            },
            "pump-" + port);
    t.setDaemon(true);
    t.start();
  }

  @Override
  public void close() throws IOException {
    down();
  }
}
