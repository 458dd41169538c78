package dev.cutover.activities;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cutover.engine.Reading;
import dev.cutover.workflows.MeasureRequest;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Dns;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 9: with no CUTOVER_ALLOWED_HOSTS the worker refuses loopback, link-local, the unspecified
 * address and the clouds' metadata and platform services in every spelling a URL or a DNS answer
 * can give them. Each address of the table is tried three ways: judged as a plan writes it (the
 * admission check, no DNS), as a URL the real worker is asked to fetch, and as what a name the plan
 * chose resolves to. A server listening on every local address counts the connections that reach
 * this machine: none may.
 */
class ForbiddenAddressesTest {
  /** Host as a URL writes it, and the address it stands for. */
  record Forbidden(String host, String address) {}

  static final List<Forbidden> TABLE =
      List.of(
          // loopback, in the spellings resolvers accept
          f("127.0.0.1", "127.0.0.1"),
          f("127.1", "127.0.0.1"),
          f("127.0.1", "127.0.0.1"),
          f("2130706433", "127.0.0.1"),
          // (a host of digits and dots is read by OkHttp and Java as decimal parts: 0177.0.0.1 is
          // 177.0.0.1
          // here, not loopback; hex spellings reach the policy's Dns, which reads them as inet_aton
          // does)
          f("0x7f.0.0.1", "127.0.0.1"),
          f("0x7f.1", "127.0.0.1"),
          f("0x7f000001", "127.0.0.1"),
          f("127.255.255.254", "127.255.255.254"),
          f("[::1]", "::1"),
          f("[0:0:0:0:0:0:0:1]", "::1"),
          // the unspecified address and "this network"
          f("0.0.0.0", "0.0.0.0"),
          f("0", "0.0.0.0"),
          f("0.1.2.3", "0.1.2.3"),
          f("[::]", "::"),
          // link-local: AWS, GCP, Azure, Oracle, DigitalOcean, OpenStack... metadata, ECS, time
          // sync, Tencent, Scaleway
          f("169.254.169.254", "169.254.169.254"),
          f("2852039166", "169.254.169.254"),
          f("0xa9fea9fe", "169.254.169.254"),
          f("0xa9.0xfe.0xa9.0xfe", "169.254.169.254"),
          f("169.254.43518", "169.254.169.254"),
          f("169.254.170.2", "169.254.170.2"),
          f("169.254.169.123", "169.254.169.123"),
          f("169.254.0.23", "169.254.0.23"),
          f("169.254.42.42", "169.254.42.42"),
          f("[fe80::1]", "fe80::1"),
          f("[fe80::a9fe:a9fe]", "fe80::a9fe:a9fe"),
          // other clouds' metadata and platform services
          f("100.100.100.200", "100.100.100.200"),
          f("168.63.129.16", "168.63.129.16"),
          f("192.0.0.192", "192.0.0.192"),
          f("[fd00:ec2::254]", "fd00:ec2::254"),
          f("[fd00:ec2::253]", "fd00:ec2::253"),
          f("[fd00:ec2::23]", "fd00:ec2::23"),
          f("[fd20:ce::254]", "fd20:ce::254"),
          f("[fd00:42::42]", "fd00:42::42"),
          f("[fd00:a9fe:a9fe::1]", "fd00:a9fe:a9fe::1"),
          // IPv4 inside IPv6: mapped, compatible, translated
          f("[::ffff:127.0.0.1]", "::ffff:127.0.0.1"),
          f("[::ffff:7f00:1]", "::ffff:7f00:1"),
          f("[::ffff:169.254.169.254]", "::ffff:169.254.169.254"),
          f("[::ffff:a9fe:a9fe]", "::ffff:a9fe:a9fe"),
          f("[::127.0.0.1]", "::127.0.0.1"),
          f("[::a9fe:a9fe]", "::a9fe:a9fe"),
          f("[::ffff:0:a9fe:a9fe]", "::ffff:0:a9fe:a9fe"),
          f("[::ffff:0:127.0.0.1]", "::ffff:0:127.0.0.1"),
          f("[::ffff:6464:64c8]", "::ffff:6464:64c8"),
          // NAT64: the well-known prefix and the local-use one at each RFC 6052 prefix length
          f("[64:ff9b::a9fe:a9fe]", "64:ff9b::a9fe:a9fe"),
          f("[64:ff9b::169.254.169.254]", "64:ff9b::a9fe:a9fe"),
          f("[64:ff9b::7f00:1]", "64:ff9b::7f00:1"),
          f("[64:ff9b::6464:64c8]", "64:ff9b::6464:64c8"),
          f("[64:ff9b::a83f:8110]", "64:ff9b::a83f:8110"),
          f("[64:ff9b:1::a9fe:a9fe]", "64:ff9b:1::a9fe:a9fe"),
          f("[64:ff9b:1:a9fe:a9:fe00::]", "64:ff9b:1:a9fe:a9:fe00::"),
          f("[64:ff9b:1:a9:fe:a9fe::]", "64:ff9b:1:a9:fe:a9fe::"),
          f("[64:ff9b:1:0:a9:fea9:fe00:0]", "64:ff9b:1:0:a9:fea9:fe00:0"),
          // 6to4, Teredo (server, and the obfuscated client), ISATAP
          f("[2002:a9fe:a9fe::1]", "2002:a9fe:a9fe::1"),
          f("[2002:7f00:1::1]", "2002:7f00:1::1"),
          f("[2001:0:a9fe:a9fe::1]", "2001:0:a9fe:a9fe::1"),
          f("[2001:0:4136:e378:8000:63bf:5601:5601]", "2001:0:4136:e378:8000:63bf:5601:5601"),
          f("[2001:0:4136:e378:8000:63bf:80ff:fffe]", "2001:0:4136:e378:8000:63bf:80ff:fffe"),
          f("[2001:db8::5efe:a9fe:a9fe]", "2001:db8::5efe:a9fe:a9fe"),
          f("[2001:db8::200:5efe:7f00:1]", "2001:db8::200:5efe:7f00:1"),
          // multicast, broadcast, reserved, site-local
          f("224.0.0.1", "224.0.0.1"),
          f("239.255.255.250", "239.255.255.250"),
          f("255.255.255.255", "255.255.255.255"),
          f("240.0.0.1", "240.0.0.1"),
          f("[ff02::1]", "ff02::1"),
          f("[fec0::1]", "fec0::1"));

  private static Forbidden f(String host, String address) {
    return new Forbidden(host, address);
  }

  private static ServerSocket local;
  private static final AtomicInteger connections = new AtomicInteger();

  @BeforeAll
  static void listenOnEveryLocalAddress() throws IOException {
    local =
        new ServerSocket(
            0, 50, null); // the wildcard: 127.x, ::1, 0.0.0.0 and mapped forms all reach it
    Thread accept =
        new Thread(
            () -> {
              while (!local.isClosed()) {
                try (Socket s = local.accept()) {
                  connections.incrementAndGet();
                } catch (IOException e) {
                  return;
                }
              }
            },
            "forbidden-addresses-accept");
    accept.setDaemon(true);
    accept.start();
  }

  @AfterAll
  static void close() throws IOException {
    local.close();
  }

  private static InetAddress ip(String literal) {
    InetAddress a = HostPolicy.literal(literal);
    assertThat(a).as(literal).isNotNull();
    return a;
  }

  private static Reading fetch(CutoverActivitiesImpl activities, String url) {
    List<Reading> r =
        activities.measure(
            new MeasureRequest(
                "cutover-forbidden",
                List.of(
                    new MeasureRequest.CheckSpec(
                        "probe",
                        Fixtures.tree("http: GET app:/x\nexpect: { status: 200 }\n"),
                        Map.of("app", Fixtures.tree("http: " + url))))));
    return r.get(0);
  }

  @Test
  void
      everyForbiddenAddressIsRefusedAsWrittenAsFetchedAndAsWhatANameResolvesToWithoutAConnection() {
    HostPolicy policy = Fixtures.settings(Map.of()).hosts();
    int port = local.getLocalPort();
    List<String> names = new ArrayList<>();
    for (int i = 0; i < TABLE.size(); i++) {
      names.add("n" + i + ".evil.test");
    }
    Dns dns =
        host -> {
          int i = names.indexOf(host);
          if (i < 0) {
            return Dns.SYSTEM.lookup(host);
          }
          return List.of(InetAddress.getByAddress(host, ip(TABLE.get(i).address()).getAddress()));
        };
    int tried = 0;
    try (CutoverActivitiesImpl worker =
        new CutoverActivitiesImpl(
            Fixtures.settings(Map.of()),
            Duration.ofSeconds(2),
            new OkHttpClient.Builder().dns(dns).build())) {
      for (int i = 0; i < TABLE.size(); i++) {
        Forbidden f = TABLE.get(i);
        // As the plan writes it: the admission check refuses it at start.
        assertThat(policy.refusalWithoutDns(f.host()))
            .as(f.host())
            .endsWith("; allow it with CUTOVER_ALLOWED_HOSTS");
        // The address itself, whatever name leads to it.
        assertThat(policy.refusal("x.example", ip(f.address()))).as(f.address()).isNotNull();
        // Fetched by the worker, written as a URL.
        Reading asUrl = fetch(worker, "http://" + f.host() + ":" + port);
        assertThat(asUrl.kind()).as(f.host()).isEqualTo(Reading.Kind.ERROR);
        assertThat(asUrl.reason()).as(f.host()).endsWith("; allow it with CUTOVER_ALLOWED_HOSTS");
        // Fetched through a name the plan chose, which resolves to it.
        Reading asName = fetch(worker, "http://" + names.get(i) + ":" + port);
        assertThat(asName.reason())
            .as(names.get(i))
            .startsWith("GET app:/x: host " + names.get(i) + " (")
            .endsWith("; allow it with CUTOVER_ALLOWED_HOSTS");
        tried += 2;
      }
    }

    System.out.printf(
        "forbidden addresses tried: %d spellings and %d names resolving to them (%d in all);"
            + " connections made: %d%n",
        TABLE.size(), names.size(), tried, connections.get());
    assertThat(tried).isEqualTo(2 * TABLE.size());
    assertThat(connections.get()).isZero();
  }

  @Test
  void wellKnownNamesAreRefusedAsWrittenAndAnUnlistedNameWhenOnlyNamesAreListed() {
    HostPolicy open = Fixtures.settings(Map.of()).hosts();
    for (String name :
        List.of(
            "localhost",
            "LOCALHOST.",
            "app.localhost",
            "metadata.google.internal",
            "metadata.goog",
            "metadata.tencentyun.com",
            "instance-data.ec2.internal",
            "metadata.azure.com")) {
      assertThat(open.refusalWithoutDns(name))
          .as(name)
          .endsWith("; allow it with CUTOVER_ALLOWED_HOSTS");
    }
    assertThat(open.refusalWithoutDns("flags.internal")).isNull();
    assertThat(open.refusalWithoutDns("10.1.2.3")).isNull();

    HostPolicy names = Fixtures.settings(Map.of(HostPolicy.VARIABLE, "flags.internal")).hosts();
    assertThat(names.refusalWithoutDns("evil.example"))
        .isEqualTo("host evil.example is not in CUTOVER_ALLOWED_HOSTS");
    assertThat(names.refusalWithoutDns("flags.internal")).isNull();
    // With a range listed, only DNS can tell whether a name lands inside it: left to run time.
    HostPolicy ranges =
        Fixtures.settings(Map.of(HostPolicy.VARIABLE, "flags.internal,10.0.0.0/8")).hosts();
    assertThat(ranges.refusalWithoutDns("evil.example")).isNull();
    assertThat(ranges.refusalWithoutDns("10.9.8.7")).isNull();
    assertThat(ranges.refusalWithoutDns("11.0.0.1"))
        .isEqualTo("host 11.0.0.1 is not in CUTOVER_ALLOWED_HOSTS");
  }

  @Test
  void whatTheListNamesIsStillAllowedAndReachesTheServer() {
    HostPolicy metadata =
        Fixtures.settings(Map.of(HostPolicy.VARIABLE, "169.254.169.254,fd00:ec2::/32")).hosts();
    assertThat(metadata.refusal("169.254.169.254", ip("169.254.169.254"))).isNull();
    assertThat(metadata.refusal("64:ff9b::a9fe:a9fe", ip("64:ff9b::a9fe:a9fe"))).isNull();
    assertThat(metadata.refusal("fd00:ec2::254", ip("fd00:ec2::254"))).isNull();
    assertThat(metadata.refusal("169.254.170.2", ip("169.254.170.2")))
        .isEqualTo("host 169.254.170.2 is link-local; allow it with CUTOVER_ALLOWED_HOSTS");

    int before = connections.get();
    try (CutoverActivitiesImpl worker =
        new CutoverActivitiesImpl(
            Fixtures.settings(Map.of(HostPolicy.VARIABLE, "127.0.0.1")), Duration.ofSeconds(2))) {
      Reading r = fetch(worker, "http://127.0.0.1:" + local.getLocalPort());
      // The test's server accepts and closes: no HTTP answer, but the connection was made.
      assertThat(r.reason()).doesNotContain("CUTOVER_ALLOWED_HOSTS");
    }
    assertThat(connections.get()).isEqualTo(before + 1);
  }

  @Test
  void theEmbeddedAddressIsNamedInTheRefusal() {
    HostPolicy policy = Fixtures.settings(Map.of()).hosts();
    assertThat(policy.refusal("64:ff9b::a9fe:a9fe", ip("64:ff9b::a9fe:a9fe")))
        .isEqualTo(
            "host 64:ff9b:0:0:0:0:a9fe:a9fe carries 169.254.169.254, which is link-local; allow it with CUTOVER_ALLOWED_HOSTS");
    assertThat(policy.refusal("2002:7f00:1::1", ip("2002:7f00:1::1")))
        .isEqualTo(
            "host 2002:7f00:1:0:0:0:0:1 carries 127.0.0.1, which is loopback; allow it with CUTOVER_ALLOWED_HOSTS");
    assertThat(policy.refusal("fd00:ec2::254", ip("fd00:ec2::254")))
        .isEqualTo(
            "host fd00:ec2:0:0:0:0:0:254 is AWS's"
                + " instance services (metadata at fd00:ec2::254, DNS at fd00:ec2::253); allow it with CUTOVER_ALLOWED_HOSTS");
    // Ordinary addresses that merely live in those prefixes are not refused for it.
    assertThat(policy.refusal("2002:5db8:d822::1", ip("2002:5db8:d822::1"))).isNull();
    assertThat(policy.refusal("64:ff9b::5db8:d822", ip("64:ff9b::5db8:d822"))).isNull();
  }
}
