package io.vipkeeper.dns;

import io.vipkeeper.core.dns.DnsName;
import io.vipkeeper.core.dns.Target;
import io.vipkeeper.core.dns.ZoneResolver;
import io.vipkeeper.core.net.IpAddress;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * An authoritative DNS server for one zone, over UDP and TCP, answering from a {@link ZoneResolver} (an
 * in-memory table fed by an etcd watch): A, AAAA and CNAME with the records' TTLs, in-zone CNAME chains,
 * SOA and NS at the apex, NXDOMAIN and NODATA with the SOA in the authority section (RFC 2308).
 */
public final class DnsServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DnsServer.class);
    private static final int EDNS_PAYLOAD = 1232;

    /** SOA and NS data that do not live in etcd. */
    public record ZoneInfo(DnsName zone, DnsName nameserver, IpAddress nameserverAddress, int negativeTtl, int nsTtl) {
    }

    private final ZoneResolver resolver;
    private final ZoneInfo info;
    private final Name zoneName;
    private final Name nsName;
    private final LongSupplier serial;
    private final DnsMetrics metrics;
    private final DatagramSocket udp;
    private final DnsTcpServer tcp;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean closed;

    public DnsServer(InetSocketAddress listen, ZoneResolver resolver, ZoneInfo info, LongSupplier serial, DnsMetrics metrics,
                     int udpThreads) throws IOException {
        this(listen, resolver, info, serial, metrics, udpThreads, DnsTcpServer.Limits.DEFAULT);
    }

    DnsServer(InetSocketAddress listen, ZoneResolver resolver, ZoneInfo info, LongSupplier serial, DnsMetrics metrics,
              int udpThreads, DnsTcpServer.Limits tcpLimits) throws IOException {
        this.resolver = resolver;
        this.info = info;
        this.zoneName = name(info.zone());
        this.nsName = name(info.nameserver());
        this.serial = serial;
        this.metrics = metrics;
        DatagramSocket u = null;
        ServerSocketChannel t = null;
        // port 0: take the UDP port the system gives and the same for TCP; retry a few times if TCP's is taken
        for (int attempt = 0; attempt < 10 && t == null; attempt++) {
            u = new DatagramSocket(listen);
            try {
                t = ServerSocketChannel.open();
                t.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                t.bind(new InetSocketAddress(listen.getAddress(), u.getLocalPort()), 64);
            } catch (IOException e) {
                u.close();
                if (t != null) {
                    t.close();
                    t = null;
                }
                if (listen.getPort() != 0) {
                    throw e;
                }
            }
        }
        if (t == null) {
            throw new IOException("no port free for both UDP and TCP on " + listen.getAddress());
        }
        this.udp = u;
        this.tcp = new DnsTcpServer(t, tcpLimits, q -> answer(q, false), why -> metrics.tcpClosed.labelValues(why.label).inc(),
                metrics.tcpAcceptErrors::inc, metrics.tcpConnections::set, ServerSocketChannel::accept);
        for (int i = 0; i < Math.max(1, udpThreads); i++) {
            threads.add(daemon("dns-udp-" + i, this::serveUdp));
        }
        threads.forEach(Thread::start);
        tcp.start();
    }

    private static Thread daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    public int port() {
        return udp.getLocalPort();
    }

    private void serveUdp() {
        byte[] buf = new byte[65535];
        while (!closed) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                udp.receive(p);
                byte[] query = Arrays.copyOf(p.getData(), p.getLength());
                byte[] answer = answer(query, true);
                if (answer != null) {
                    udp.send(new DatagramPacket(answer, answer.length, p.getSocketAddress()));
                }
            } catch (SocketException e) {
                if (!closed) {
                    LOG.warn("udp: {}", e.getMessage());
                }
            } catch (IOException | RuntimeException e) {
                LOG.debug("udp query failed: {}", e.toString());
            }
        }
    }

    /** The wire answer to a wire query, or null to stay silent (not even a header to answer to). */
    byte[] answer(byte[] wire, boolean udpTransport) {
        Message q;
        try {
            q = new Message(wire);
        } catch (IOException e) {
            if (wire.length < Header.LENGTH) {
                return null;
            }
            try {
                Message err = new Message(new Header(Arrays.copyOf(wire, Header.LENGTH)).getID());
                err.getHeader().setFlag(Flags.QR);
                err.getHeader().setRcode(Rcode.FORMERR);
                count(Rcode.FORMERR);
                return err.toWire();
            } catch (IOException e2) {
                return null;
            }
        }
        if (q.getHeader().getFlag(Flags.QR)) {
            return null; // a response: never answer one (reflection loops)
        }
        Message r = respond(q);
        int max = 65535;
        if (udpTransport) {
            OPTRecord opt = q.getOPT();
            max = opt == null ? 512 : Math.max(512, Math.min(opt.getPayloadSize(), EDNS_PAYLOAD));
        }
        count(r.getRcode());
        return r.toWire(max);
    }

    private void count(int rcode) {
        metrics.queries.labelValues(Rcode.string(rcode)).inc();
    }

    Message respond(Message q) {
        Message r = new Message(q.getHeader().getID());
        Header h = r.getHeader();
        h.setFlag(Flags.QR);
        // the opcode is echoed whatever it is: a resolver drops an answer whose opcode differs from its question's
        h.setOpcode(q.getHeader().getOpcode());
        if (q.getHeader().getFlag(Flags.RD)) {
            h.setFlag(Flags.RD);
        }
        Record question = q.getQuestion();
        if (question != null && q.getHeader().getCount(Section.QUESTION) == 1) {
            r.addRecord(question, Section.QUESTION);
        }
        List<Record> opts = q.getSection(Section.ADDITIONAL).stream().filter(x -> x.getType() == Type.OPT).toList();
        if (opts.size() > 1) {
            // RFC 6891 6.1.1: more than one OPT record is a format error
            h.setRcode(Rcode.FORMERR);
            return r;
        }
        OPTRecord opt = q.getOPT();
        if (opt != null && opt.getVersion() > 0) {
            // RFC 6891 6.1.3: BADVERS (16: extended rcode 1 in the OPT, 0 in the header), stating the version served (0)
            r.addRecord(new OPTRecord(EDNS_PAYLOAD, Rcode.BADVERS >>> 4, 0), Section.ADDITIONAL);
            return r;
        }
        if (opt != null) {
            r.addRecord(new OPTRecord(EDNS_PAYLOAD, 0, 0), Section.ADDITIONAL);
        }
        if (q.getHeader().getOpcode() != Opcode.QUERY) {
            h.setRcode(Rcode.NOTIMP);
            return r;
        }
        if (question == null || q.getHeader().getCount(Section.QUESTION) != 1) {
            h.setRcode(Rcode.FORMERR);
            return r;
        }
        if (question.getType() == Type.AXFR || question.getType() == Type.IXFR) {
            // no zone transfers: the records live in etcd, read them there
            h.setRcode(Rcode.REFUSED);
            return r;
        }
        Name qn = question.getName();
        if ((question.getDClass() != DClass.IN && question.getDClass() != DClass.ANY) || !qn.subdomain(zoneName)) {
            h.setRcode(Rcode.REFUSED);
            return r;
        }
        h.setFlag(Flags.AA);
        int type = question.getType();
        if (qn.equals(zoneName) && (type == Type.SOA || type == Type.NS || type == Type.ANY)) {
            if (type != Type.NS) {
                r.addRecord(soa(), Section.ANSWER);
            }
            if (type != Type.SOA) {
                r.addRecord(new NSRecord(zoneName, DClass.IN, info.nsTtl(), nsName), Section.ANSWER);
                glue(r, Section.ADDITIONAL, Type.ANY);
            }
            return r;
        }
        if (info.nameserverAddress() != null && qn.equals(nsName)) {
            if (!glue(r, Section.ANSWER, type)) {
                r.addRecord(soa(), Section.AUTHORITY);
            }
            return r;
        }
        DnsName dn = DnsName.tryParse(qn.toString()).orElse(null);
        if (dn == null) {
            // not a hostname (e.g. _service._tcp): nothing of ours can be there
            h.setRcode(Rcode.NXDOMAIN);
            r.addRecord(soa(), Section.AUTHORITY);
            return r;
        }
        if (type == Type.ANY) {
            ZoneResolver.Result a = resolver.resolve(dn, ZoneResolver.QType.A);
            ZoneResolver.Result aaaa = resolver.resolve(dn, ZoneResolver.QType.AAAA);
            if (aaaa instanceof ZoneResolver.Answer six && a instanceof ZoneResolver.Answer four) {
                List<ZoneResolver.Rr> all = new ArrayList<>(four.records());
                six.records().stream().filter(x -> x.target() instanceof Target.Address).forEach(all::add);
                fill(r, new ZoneResolver.Answer(all));
            } else {
                fill(r, a instanceof ZoneResolver.Answer ? a : aaaa);
            }
            return r;
        }
        ZoneResolver.QType qt = switch (type) {
            case Type.A -> ZoneResolver.QType.A;
            case Type.AAAA -> ZoneResolver.QType.AAAA;
            case Type.CNAME -> ZoneResolver.QType.CNAME;
            default -> ZoneResolver.QType.OTHER;
        };
        fill(r, resolver.resolve(dn, qt));
        return r;
    }

    private void fill(Message r, ZoneResolver.Result result) {
        if (result instanceof ZoneResolver.Answer a) {
            a.records().forEach(rr -> r.addRecord(record(rr), Section.ANSWER));
        } else if (result instanceof ZoneResolver.NoData n) {
            n.chain().forEach(rr -> r.addRecord(record(rr), Section.ANSWER));
            r.addRecord(soa(), Section.AUTHORITY);
        } else if (result instanceof ZoneResolver.NxDomain n) {
            n.chain().forEach(rr -> r.addRecord(record(rr), Section.ANSWER));
            r.getHeader().setRcode(Rcode.NXDOMAIN);
            r.addRecord(soa(), Section.AUTHORITY);
        } else if (result instanceof ZoneResolver.ServFail) {
            r.getHeader().setRcode(Rcode.SERVFAIL);
        } else {
            r.getHeader().unsetFlag(Flags.AA);
            r.getHeader().setRcode(Rcode.REFUSED);
        }
    }

    private boolean glue(Message r, int section, int type) {
        IpAddress a = info.nameserverAddress();
        if (a == null || !info.nameserver().isSubdomainOf(info.zone())) {
            return false;
        }
        if (a.isIpv4() && (type == Type.A || type == Type.ANY)) {
            r.addRecord(new ARecord(nsName, DClass.IN, info.nsTtl(), inet(a)), section);
            return true;
        }
        if (!a.isIpv4() && (type == Type.AAAA || type == Type.ANY)) {
            r.addRecord(new AAAARecord(nsName, DClass.IN, info.nsTtl(), inet(a)), section);
            return true;
        }
        return false;
    }

    private SOARecord soa() {
        long s = serial.getAsLong() & 0xffffffffL;
        Name admin = name(info.zone().child("hostmaster"));
        return new SOARecord(zoneName, DClass.IN, info.negativeTtl(), nsName, admin, s, 3600, 600, 86400, info.negativeTtl());
    }

    private static Record record(ZoneResolver.Rr rr) {
        Name n = name(rr.name());
        if (rr.target() instanceof Target.Address a) {
            return a.ip().isIpv4() ? new ARecord(n, DClass.IN, rr.ttl(), inet(a.ip()))
                    : new AAAARecord(n, DClass.IN, rr.ttl(), inet(a.ip()));
        }
        return new CNAMERecord(n, DClass.IN, rr.ttl(), name(((Target.Alias) rr.target()).name()));
    }

    /** No name lookup: the bytes of an address already parsed. */
    static InetAddress inet(IpAddress ip) {
        try {
            return ip.isIpv4() ? Inet4Address.getByAddress(ip.toBytes()) : Inet6Address.getByAddress(null, ip.toBytes(), -1);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    static Name name(DnsName n) {
        try {
            return Name.fromString(n.fqdn());
        } catch (TextParseException e) {
            throw new IllegalStateException("a checked DnsName did not parse: " + n, e);
        }
    }

    @Override
    public void close() {
        closed = true;
        udp.close();
        tcp.close();
        for (Thread t : threads) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
