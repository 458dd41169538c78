package dev.cutover.worker;

import io.grpc.Grpc;
import io.grpc.HandlerRegistry;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * A gRPC endpoint over TLS on loopback that answers every call UNIMPLEMENTED and records what the
 * client sent: the method, its headers ({@code authorization}) and the client certificate's subject
 * (mutual TLS). Certificates are made by {@code openssl} in a temporary directory: a CA, a server
 * certificate for {@code localhost} and {@code 127.0.0.1}, and a client certificate.
 */
final class TlsStandIn implements AutoCloseable {
  /** One call as received. */
  record Call(String method, Metadata headers, String clientSubject) {}

  final List<Call> calls = new CopyOnWriteArrayList<>();
  final Path dir;
  private final Server server;

  private TlsStandIn(Path dir, boolean requireClientCert) throws IOException {
    this.dir = dir;
    SslContextBuilder ssl =
        GrpcSslContexts.forServer(
            dir.resolve("server.pem").toFile(), dir.resolve("server.key").toFile());
    if (requireClientCert) {
      ssl.trustManager(dir.resolve("ca.pem").toFile()).clientAuth(ClientAuth.REQUIRE);
    }
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .sslContext(ssl.build())
            .fallbackHandlerRegistry(new Anything())
            .build()
            .start();
  }

  /** A stand-in with fresh certificates in {@code dir}. */
  static TlsStandIn start(Path dir, boolean requireClientCert) throws Exception {
    makeCertificates(dir);
    return new TlsStandIn(dir, requireClientCert);
  }

  String address() {
    return "127.0.0.1:" + server.getPort();
  }

  Path file(String name) {
    return dir.resolve(name);
  }

  private final class Anything extends HandlerRegistry {
    @Override
    public ServerMethodDefinition<?, ?> lookupMethod(String method, String authority) {
      MethodDescriptor<InputStream, InputStream> md =
          MethodDescriptor.<InputStream, InputStream>newBuilder()
              .setFullMethodName(method)
              .setType(MethodDescriptor.MethodType.UNKNOWN)
              .setRequestMarshaller(new Raw())
              .setResponseMarshaller(new Raw())
              .build();
      return ServerMethodDefinition.create(
          md,
          (ServerCall<InputStream, InputStream> call, Metadata headers) -> {
            calls.add(
                new Call(
                    method,
                    headers,
                    subject(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION))));
            call.close(Status.UNIMPLEMENTED.withDescription("stand-in"), new Metadata());
            return new ServerCall.Listener<>() {};
          });
    }
  }

  private static String subject(SSLSession session) {
    if (session == null) {
      return null;
    }
    try {
      return ((X509Certificate) session.getPeerCertificates()[0])
          .getSubjectX500Principal()
          .getName();
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
  }

  private static final class Raw implements MethodDescriptor.Marshaller<InputStream> {
    @Override
    public InputStream stream(InputStream value) {
      return value;
    }

    @Override
    public InputStream parse(InputStream stream) {
      try {
        return new ByteArrayInputStream(stream.readAllBytes());
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private static void makeCertificates(Path dir) throws Exception {
    Files.writeString(dir.resolve("server.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
    Files.writeString(dir.resolve("client.ext"), "extendedKeyUsage=clientAuth\n");
    openssl(
        dir,
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=cutover-test-ca");
    for (String who : List.of("server", "client")) {
      openssl(
          dir,
          "req",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-keyout",
          who + ".key",
          "-out",
          who + ".csr",
          "-subj",
          who.equals("server") ? "/CN=localhost" : "/CN=cutover-worker");
      openssl(
          dir,
          "x509",
          "-req",
          "-in",
          who + ".csr",
          "-CA",
          "ca.pem",
          "-CAkey",
          "ca.key",
          "-CAcreateserial",
          "-out",
          who + ".pem",
          "-days",
          "2",
          "-extfile",
          who + ".ext");
    }
  }

  private static void openssl(Path dir, String... args) throws Exception {
    List<String> argv = new java.util.ArrayList<>(List.of("openssl"));
    argv.addAll(List.of(args));
    Process p = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("openssl " + String.join(" ", args) + " failed: " + out);
    }
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
