package dev.cutover.activities;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import javax.net.SocketFactory;

/**
 * The socket factory the PostgreSQL driver is given for every connection the worker opens, so that
 * a database is reached only where the worker's {@link HostPolicy} allows: each socket checks the
 * resolved address it is about to connect to, as the HTTP client's do.
 *
 * <p>pgjdbc creates it by class name (connection property {@code socketFactory}) with one String
 * argument ({@code socketFactoryArg}), so the policy cannot be handed over as an object: {@link
 * #register} files a policy under a fresh random id and that id is the argument. The registry holds
 * one entry per {@link SqlPools}, so two workers (or tests) with different policies in one JVM each
 * get their own; an id that is not registered (closed, or never issued) gives sockets that refuse
 * every connection. A plan can neither name this class nor pass an id: both properties are refused
 * in its URL ({@code JdbcUrls}) and set by the worker after the URL's own.
 *
 * <p>Thread-safe.
 */
public final class PolicySocketFactory extends SocketFactory {
  private static final ConcurrentMap<String, HostPolicy> POLICIES = new ConcurrentHashMap<>();

  private final SocketFactory delegate;

  /** Called by pgjdbc with the {@code socketFactoryArg} the worker set: a {@link #register} id. */
  public PolicySocketFactory(String id) {
    HostPolicy policy = id == null ? null : POLICIES.get(id);
    this.delegate = policy == null ? null : policy.socketFactory();
  }

  /**
   * An entry in the registry; closing it removes the policy, after which its id refuses everything.
   */
  record Registration(String id) implements AutoCloseable {
    @Override
    public void close() {
      POLICIES.remove(id);
    }
  }

  /** Files {@code policy} under a new id, to be passed as {@code socketFactoryArg}. */
  static Registration register(HostPolicy policy) {
    Objects.requireNonNull(policy, "policy");
    String id = UUID.randomUUID().toString();
    POLICIES.put(id, policy);
    return new Registration(id);
  }

  private SocketFactory delegate() throws IOException {
    if (delegate == null) {
      throw new HostPolicy.Refused(
          "no host policy is registered for this connection; the worker connects only"
              + " through its own");
    }
    return delegate;
  }

  @Override
  public Socket createSocket() throws IOException {
    return delegate().createSocket();
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    return delegate().createSocket(host, port);
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort)
      throws IOException {
    return delegate().createSocket(host, port, localHost, localPort);
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    return delegate().createSocket(host, port);
  }

  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
      throws IOException {
    return delegate().createSocket(address, port, localAddress, localPort);
  }
}
