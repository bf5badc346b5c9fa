package io.vipkeeper.dns;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vipkeeper.core.dns.DnsName;
import io.vipkeeper.core.dns.RecordTable;
import io.vipkeeper.core.dns.SkyDns;
import io.vipkeeper.core.dns.ZoneResolver;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.platform.CliErrors;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;
import picocli.CommandLine;

/**
 * {@code dns serve} on loopback with real sockets and real dig: TCP clients that trickle bytes, hold many connections
 * or never stop asking are bounded and the others keep being served; and the answers to what the server does not do
 * (other opcodes, zone transfers, bad EDNS). The hostile clients connect from 127.0.0.2.. so dig (127.0.0.1) is
 * another client.
 */
class DnsServerLimitsTest {

    static final String WEB = "web.example.com";

    final DnsMetrics metrics = new DnsMetrics(new PrometheusRegistry());
    final List<AutoCloseable> closing = new ArrayList<>();
    final ExecutorService clients = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "test-client");
        t.setDaemon(true);
        return t;
    });

    @AfterEach
    void tearDown() throws Exception {
        clients.shutdownNow();
        for (AutoCloseable c : closing) {
            c.close();
        }
        assertThat(clients.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    DnsServer server(DnsTcpServer.Limits limits) throws IOException {
        RecordTable table = new RecordTable(new SkyDns("/skydns"));
        table.apply("/skydns/com/example/web/t-00000000", "{\"host\":\"192.0.2.10\",\"ttl\":30}");
        DnsName zone = DnsName.parse("example.com");
        DnsServer.ZoneInfo info = new DnsServer.ZoneInfo(zone, zone.child("ns1"), IpAddress.parse("127.0.0.1"), 30, 300);
        InetSocketAddress listen = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0);
        DnsServer s = limits == null ? new DnsServer(listen, new ZoneResolver(zone, table), info, () -> 1, metrics, 1)
                : new DnsServer(listen, new ZoneResolver(zone, table), info, () -> 1, metrics, 1, limits);
        closing.add(s);
        return s;
    }

    Socket connect(String from, int port) throws IOException {
        Socket s = new Socket();
        closing.add(s);
        s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
        s.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 2000);
        return s;
    }

    /**
     * Sends a length prefix and then one byte every {@code everyMillis}, never completing the query, until the server
     * closes the connection or {@code maxMillis} passes. Returns the milliseconds until closed, or -1 if it never was.
     */
    Future<Long> trickle(Socket s, long everyMillis, long maxMillis) {
        return clients.submit(() -> {
            long start = System.nanoTime();
            try {
                s.setSoTimeout((int) everyMillis);
                s.getOutputStream().write(new byte[] {0, 40});
                InputStream in = s.getInputStream();
                while (System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(maxMillis)) {
                    try {
                        if (in.read() < 0) {
                            break;
                        }
                    } catch (SocketTimeoutException e) {
                        s.getOutputStream().write(0);
                        continue;
                    }
                }
            } catch (IOException e) {
                // reset: closed too
            }
            long took = (System.nanoTime() - start) / 1_000_000;
            return took >= maxMillis ? -1L : took;
        });
    }

    static byte[] query(String name, int type) throws IOException {
        return Message.newQuery(Record.newRecord(Name.fromString(name + "."), type, DClass.IN)).toWire();
    }

    /** One query over UDP, the reply parsed (bounded by a 2 s timeout). */
    static Message udp(int port, byte[] wire) throws IOException {
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(2000);
            s.send(new DatagramPacket(wire, wire.length, InetAddress.getByName("127.0.0.1"), port));
            DatagramPacket p = new DatagramPacket(new byte[65535], 65535);
            s.receive(p);
            return new Message(Arrays.copyOf(p.getData(), p.getLength()));
        }
    }

    /** One query over TCP on an open connection, the reply parsed. */
    static Message tcp(Socket s, byte[] wire) throws IOException {
        s.setSoTimeout(2000);
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        out.writeShort(wire.length);
        out.write(wire);
        out.flush();
        DataInputStream in = new DataInputStream(s.getInputStream());
        byte[] reply = new byte[in.readUnsignedShort()];
        in.readFully(reply);
        return new Message(reply);
    }

    double closedFor(String limit) {
        return metrics.tcpClosed.labelValues(limit).get();
    }

    @Test
    void sixteenSlowClientsDoNotHoldTcpFromOthers() throws Exception {
        DnsServer s = server(null); // the defaults of dns serve
        List<Future<Long>> slow = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            slow.add(trickle(connect("127.0.0.2", s.port()), 1000, 15_000));
        }
        // all 16 are in once the 8 beyond the per-client limit were closed (at once, on accept)
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (closedFor("per-client-limit") < 8 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(closedFor("per-client-limit")).as("connections beyond the per-client limit closed").isEqualTo(8.0);
        Dig.Reply r = new Dig(s.port()).query(WEB, "A", "+tcp");
        assertThat(r.status()).as(r.raw()).isEqualTo("NOERROR");
        assertThat(r.values("A")).containsExactly("192.0.2.10");
        // 8 per client by default: the rest were closed at once; the 8 kept trickle one byte a second and are closed at
        // the 5 s idle timeout all the same
        List<Long> closedAfter = new ArrayList<>();
        for (Future<Long> f : slow) {
            closedAfter.add(f.get(20, TimeUnit.SECONDS));
        }
        closedAfter.sort(null);
        System.out.printf("FIGURE slow-tcp-clients-closed-after-ms=%s%n", closedAfter);
        assertThat(closedAfter.subList(0, 8)).allMatch(ms -> ms >= 0 && ms < 1000);
        assertThat(closedAfter.subList(8, 16)).allMatch(ms -> ms >= 4500 && ms < 8000);
        assertThat(closedFor("per-client-limit")).isEqualTo(8.0);
        assertThat(closedFor("idle-timeout")).isEqualTo(8.0);
    }

    @Test
    void aConnectionIsBoundedInIdleTimeTotalTimeAndPerClient() throws Exception {
        DnsServer s = server(new DnsTcpServer.Limits(Duration.ofSeconds(1), Duration.ofSeconds(3), 4, 64));
        List<Future<Long>> slow = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            slow.add(trickle(connect("127.0.0.3", s.port()), 300, 10_000));
        }
        // a busy client: a complete query every 300 ms is served, until the connection's 3 s are up
        Socket busy = connect("127.0.0.4", s.port());
        long start = System.nanoTime();
        int answered = 0;
        try {
            while (System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10)) {
                Message m = tcp(busy, query(WEB, Type.A));
                assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
                answered++;
                Thread.sleep(300);
            }
        } catch (IOException e) {
            // closed by the server
        }
        long busyMillis = (System.nanoTime() - start) / 1_000_000;
        assertThat(busyMillis).isBetween(2500L, 4500L);
        assertThat(answered).isGreaterThanOrEqualTo(5);
        List<Long> closedAfter = new ArrayList<>();
        for (Future<Long> f : slow) {
            closedAfter.add(f.get(15, TimeUnit.SECONDS));
        }
        closedAfter.sort(null);
        assertThat(closedAfter.subList(0, 2)).allMatch(ms -> ms >= 0 && ms < 500);
        assertThat(closedAfter.subList(2, 6)).allMatch(ms -> ms >= 700 && ms < 2500);
        assertThat(closedFor("per-client-limit")).isEqualTo(2.0);
        assertThat(closedFor("idle-timeout")).isEqualTo(4.0);
        assertThat(closedFor("max-time")).isEqualTo(1.0);
        // and meanwhile everyone else is answered
        assertThat(new Dig(s.port()).query(WEB, "A", "+tcp").values("A")).containsExactly("192.0.2.10");
    }

    @Test
    void atTheConnectionLimitTheOldestMakesRoom() throws Exception {
        DnsServer s = server(new DnsTcpServer.Limits(Duration.ofSeconds(20), Duration.ofSeconds(30), 2, 3));
        Socket oldest = connect("127.0.0.5", s.port());
        connect("127.0.0.6", s.port());
        connect("127.0.0.7", s.port());
        // the three are the server's (accepted) before dig's connection comes: then the oldest is 127.0.0.5's
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (metrics.tcpConnections.get() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(metrics.tcpConnections.get()).isEqualTo(3.0);
        assertThat(new Dig(s.port()).query(WEB, "A", "+tcp").values("A")).containsExactly("192.0.2.10");
        oldest.setSoTimeout(2000);
        assertThat(oldest.getInputStream().read()).isEqualTo(-1);
        assertThat(closedFor("connection-limit")).isGreaterThanOrEqualTo(1.0);
        assertThat(metrics.tcpConnections.get()).as("dig's connection took the oldest's place, and dig has closed it").isLessThanOrEqualTo(3.0);
    }

    @Test
    void badTcpLimitsAreUsageErrors() {
        for (String[] args : List.of(new String[] {"--tcp-idle-timeout", "0"}, new String[] {"--tcp-max-time", "2", "--tcp-idle-timeout", "5"},
                new String[] {"--tcp-max-per-client", "0"}, new String[] {"--tcp-max-per-client", "20", "--tcp-max-connections", "10"},
                new String[] {"--tcp-max-connections", "100000"}, new String[] {"--tcp-max-time", "x"})) {
            List<String> all = new ArrayList<>(List.of("serve", "--zone", "example.com", "--http-port", "-1"));
            all.addAll(List.of(args));
            CommandLine cmd = new CommandLine(new DnsCommand());
            cmd.setParameterExceptionHandler(new CliErrors());
            cmd.setExecutionExceptionHandler((ex, c, parseResult) -> {
                if (ex instanceof CommandLine.ParameterException pe) {
                    return new CliErrors().handleParseException(pe, all.toArray(String[]::new));
                }
                throw ex;
            });
            StringWriter err = new StringWriter();
            cmd.setErr(new PrintWriter(err));
            assertThat(cmd.execute(all.toArray(String[]::new))).as(String.join(" ", all)).isEqualTo(2);
        }
    }

    @Test
    void otherOpcodesZoneTransfersAndBadEdnsGetTheirErrors() throws Exception {
        DnsServer s = server(null);
        Dig dig = new Dig(s.port());
        // NOTIMP with the opcode echoed: dig accepts the answer only then
        Dig.Reply notify = dig.query(WEB, "A", "+opcode=notify");
        assertThat(notify.raw()).contains("opcode: NOTIFY, status: NOTIMP");
        Message update = new Message();
        update.getHeader().setOpcode(Opcode.UPDATE);
        update.addRecord(Record.newRecord(Name.fromString("example.com."), Type.SOA, DClass.IN), Section.QUESTION);
        Message r = udp(s.port(), update.toWire());
        assertThat(r.getHeader().getOpcode()).isEqualTo(Opcode.UPDATE);
        assertThat(r.getRcode()).isEqualTo(Rcode.NOTIMP);
        assertThat(r.getHeader().getID()).isEqualTo(update.getHeader().getID());
        // EDNS version 1: BADVERS, and the OPT says version 0
        Dig.Reply badvers = dig.query(WEB, "A", "+edns=1", "+noednsnegotiation");
        assertThat(badvers.status()).as(badvers.raw()).isEqualTo("BADVERS");
        Message v1 = Message.newQuery(Record.newRecord(Name.fromString(WEB + "."), Type.A, DClass.IN));
        v1.addRecord(new OPTRecord(1232, 0, 1), Section.ADDITIONAL);
        Message bv = udp(s.port(), v1.toWire());
        assertThat(bv.getRcode()).isEqualTo(Rcode.BADVERS);
        assertThat(bv.getOPT().getVersion()).isZero();
        assertThat(bv.getSection(Section.ANSWER)).isEmpty();
        // two OPT records: FORMERR
        Message twoOpt = Message.newQuery(Record.newRecord(Name.fromString(WEB + "."), Type.A, DClass.IN));
        twoOpt.addRecord(new OPTRecord(1232, 0, 0), Section.ADDITIONAL);
        twoOpt.addRecord(new OPTRecord(512, 0, 0), Section.ADDITIONAL);
        Message fe = udp(s.port(), twoOpt.toWire());
        assertThat(fe.getRcode()).isEqualTo(Rcode.FORMERR);
        assertThat(fe.getHeader().getFlag(Flags.QR)).isTrue();
        // zone transfers: REFUSED, over TCP (dig's AXFR) and UDP (IXFR)
        Socket t = connect("127.0.0.1", s.port());
        assertThat(tcp(t, query("example.com", Type.AXFR)).getRcode()).isEqualTo(Rcode.REFUSED);
        assertThat(udp(s.port(), query("example.com", Type.IXFR)).getRcode()).isEqualTo(Rcode.REFUSED);
        Dig.Reply axfr = dig.query("example.com", "AXFR");
        assertThat(axfr.raw()).contains("Transfer failed").doesNotContain("SOA");
        // a plain query still works
        assertThat(dig.query(WEB, "A").values("A")).containsExactly("192.0.2.10");
    }
}
