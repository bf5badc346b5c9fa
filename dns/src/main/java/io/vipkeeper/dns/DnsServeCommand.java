package io.vipkeeper.dns;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.dns.DnsName;
import io.vipkeeper.core.dns.RecordTable;
import io.vipkeeper.core.dns.SkyDns;
import io.vipkeeper.core.dns.ZoneResolver;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.platform.CliErrors;
import io.vipkeeper.platform.Flags;
import io.vipkeeper.platform.LoggingOptions;
import io.vipkeeper.platform.OpsServer;
import io.vipkeeper.platform.OptionChecks;
import io.vipkeeper.platform.StartupException;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code vipkeeper dns serve}: an authoritative server for the published records, without CoreDNS. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Authoritative DNS server (UDP and TCP) for --zone, answering from the etcd records",
            "(CoreDNS etcd layout) through an in-memory copy kept current by an etcd watch."})
public final class DnsServeCommand implements Callable<Integer>, OptionChecks {

    private static final Logger LOG = LoggerFactory.getLogger(DnsServeCommand.class);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--zone", required = true, paramLabel = "DOMAIN", description = "zone served (e.g. example.com).")
    String zone;

    @Option(names = "--listen", paramLabel = "IP:PORT", defaultValue = "127.0.0.1:5353", description = "UDP and TCP address (default: ${DEFAULT-VALUE}).")
    String listen;

    @Option(names = "--nameserver", paramLabel = "NAME", description = "name in the NS and SOA records (default: ns1.<zone>).")
    String nameserver;

    @Option(names = "--nameserver-address", paramLabel = "IP", description = "address of --nameserver, served as its A/AAAA record and glue.")
    String nameserverAddress;

    @Option(names = "--negative-ttl", paramLabel = "SECONDS", defaultValue = "30", converter = NegativeTtl.class, description = "SOA minimum: how long NXDOMAIN/NODATA may be cached (default: ${DEFAULT-VALUE}).")
    int negativeTtl;

    @Option(names = "--udp-threads", paramLabel = "N", defaultValue = "2", converter = UdpThreads.class,
            description = "UDP worker threads, 1 to 64 (default: ${DEFAULT-VALUE}).")
    int udpThreads;

    @Option(names = "--tcp-idle-timeout", paramLabel = "SECONDS", defaultValue = "5",
            description = "a TCP connection is closed when its next query has not arrived complete within this (default: ${DEFAULT-VALUE}).")
    int tcpIdleTimeout;

    @Option(names = "--tcp-max-time", paramLabel = "SECONDS", defaultValue = "30",
            description = "a TCP connection is closed after this long in all, however busy (default: ${DEFAULT-VALUE}).")
    int tcpMaxTime;

    @Option(names = "--tcp-max-per-client", paramLabel = "N", defaultValue = "8",
            description = "TCP connections one client address may hold; more are closed at once (default: ${DEFAULT-VALUE}).")
    int tcpMaxPerClient;

    @Option(names = "--tcp-max-connections", paramLabel = "N", defaultValue = "256",
            description = "TCP connections in all; at this many the oldest is closed for a new one (default: ${DEFAULT-VALUE}).")
    int tcpMaxConnections;

    static final class NegativeTtl extends Flags.IntRange {
        NegativeTtl() {
            super(0, 86400, "a TTL in seconds");
        }
    }

    static final class UdpThreads extends Flags.IntRange {
        UdpThreads() {
            super(1, 64, "a thread count");
        }
    }

    @Option(names = "--http-host", paramLabel = "IP", defaultValue = "0.0.0.0", converter = Flags.IpLiteral.class, description = "address of /healthz, /readyz, /metrics (default: ${DEFAULT-VALUE}).")
    String httpHost;

    @Option(names = "--http-port", paramLabel = "PORT", defaultValue = "9473", converter = Flags.ListenPortOrOff.class, description = "port of /healthz, /readyz, /metrics; 0 picks one, -1 disables (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Mixin
    EtcdOptions etcd = new EtcdOptions();

    @Mixin
    LoggingOptions logging = new LoggingOptions();

    /** A running server: view + DNS + ops endpoint (used by the command and by tests). */
    public record Running(EtcdStore store, EtcdView view, DnsServer dns, OpsServer ops) implements AutoCloseable {
        @Override
        public void close() {
            dns.close();
            if (ops != null) {
                ops.close();
            }
            view.close();
            store.close();
        }
    }

    /** The flags, parsed. */
    private record Parsed(DnsName zoneName, InetSocketAddress addr, DnsServer.ZoneInfo info, SkyDns layout, DnsTcpServer.Limits tcpLimits) {
    }

    private Parsed parsed() {
        DnsName zoneName = CliErrors.flag(spec, "--zone", () -> DnsName.parse(zone));
        InetSocketAddress addr = CliErrors.flag(spec, "--listen", () -> Listen.parse(listen));
        DnsName ns = nameserver == null ? zoneName.child("ns1") : CliErrors.flag(spec, "--nameserver", () -> DnsName.parse(nameserver));
        IpAddress nsAddr = nameserverAddress == null ? null
                : CliErrors.flag(spec, "--nameserver-address", () -> IpAddress.parse(nameserverAddress));
        SkyDns layout = CliErrors.flag(spec, "--etcd-prefix", () -> new SkyDns(etcd.prefix()));
        DnsTcpServer.Limits tcp = CliErrors.checked(spec, this::tcpLimits);
        return new Parsed(zoneName, addr, new DnsServer.ZoneInfo(zoneName, ns, nsAddr, negativeTtl, 300), layout, tcp);
    }

    /** Everything {@link #start()} refuses before it listens or connects. */
    @Override
    public void checkOptions() {
        parsed();
        try {
            etcd.check();
        } catch (IllegalArgumentException e) {
            throw CliErrors.usage(spec, e.getMessage());
        }
    }

    public Running start() throws IOException {
        Parsed parsed = parsed();
        DnsName zoneName = parsed.zoneName();
        InetSocketAddress addr = parsed.addr();
        DnsServer.ZoneInfo info = parsed.info();
        SkyDns layout = parsed.layout();
        PrometheusRegistry registry = new PrometheusRegistry();
        DnsMetrics metrics = new DnsMetrics(registry);
        EtcdStore store;
        try {
            store = new EtcdStore(etcd.connect());
        } catch (IllegalArgumentException e) {
            throw CliErrors.usage(spec, e.getMessage());
        }
        RecordTable table = new RecordTable(layout);
        EtcdView view = new EtcdView(store, layout.subtree(zoneName), table, () -> { }, metrics.etcdErrors::inc).start();
        DnsServer dns;
        try {
            dns = new DnsServer(addr, new ZoneResolver(zoneName, table), info, view::revision, metrics, udpThreads,
                    parsed.tcpLimits());
        } catch (BindException e) {
            view.close();
            store.close();
            throw new StartupException("cannot listen on " + listen + " (udp and tcp): " + e.getMessage() + " (choose another with --listen)", e);
        }
        OpsServer ops = null;
        if (httpPort >= 0) {
            ops = new OpsServer(httpHost, httpPort, registry, Optional::empty,
                    () -> view.synced() ? Optional.empty() : Optional.of("etcd records not loaded yet"));
        }
        LOG.info("serving {} on {} (udp+tcp) from etcd {}{}", zoneName, new InetSocketAddress(addr.getAddress(), dns.port()),
                layout.subtree(zoneName), ops == null ? "" : ", metrics on port " + ops.port());
        return new Running(store, view, dns, ops);
    }

    private DnsTcpServer.Limits tcpLimits() {
        if (tcpIdleTimeout < 1 || tcpIdleTimeout > 3600) {
            throw new InvalidInputException("--tcp-idle-timeout must be 1..3600");
        }
        if (tcpMaxTime < tcpIdleTimeout || tcpMaxTime > 86400) {
            throw new InvalidInputException("--tcp-max-time must be --tcp-idle-timeout..86400");
        }
        if (tcpMaxPerClient < 1 || tcpMaxPerClient > tcpMaxConnections) {
            throw new InvalidInputException("--tcp-max-per-client must be 1..--tcp-max-connections");
        }
        if (tcpMaxConnections > 65536) {
            throw new InvalidInputException("--tcp-max-connections must be 1..65536");
        }
        return new DnsTcpServer.Limits(Duration.ofSeconds(tcpIdleTimeout), Duration.ofSeconds(tcpMaxTime), tcpMaxPerClient,
                tcpMaxConnections);
    }

    @Override
    public Integer call() throws Exception {
        logging.apply();
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        try (Running running = start()) {
            LOG.debug("running: {}", running.dns().port());
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                stop.countDown();
                try {
                    done.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "dns-serve-stop"));
            stop.await();
            return 0;
        } finally {
            done.countDown();
        }
    }
}
