package io.vipkeeper.lab;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.lab.lan.AddressPlan;
import io.vipkeeper.lab.lan.BgpFailover;
import io.vipkeeper.lab.lan.ChildJvm;
import io.vipkeeper.lab.lan.FrrRouter;
import io.vipkeeper.lab.lan.ConnectionFailover;
import io.vipkeeper.lab.lan.Lan;
import io.vipkeeper.lab.lan.Failover;
import io.vipkeeper.lab.lan.FailoverStats;
import io.vipkeeper.lab.lan.CpuSplit;
import io.vipkeeper.lab.lan.LabPaths;
import io.vipkeeper.lab.lan.NodeExclusion;
import io.vipkeeper.lab.lan.ProbeStream;
import io.vipkeeper.lab.lan.Routing;
import io.vipkeeper.platform.KubeReads;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.time.Duration;
import io.vipkeeper.platform.CliErrors;
import io.vipkeeper.platform.process.Exec;
import io.vipkeeper.platform.Flags;
import io.vipkeeper.platform.OptionChecks;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vipkeeper lab failover}: the failover benchmark. */
@Command(name = "failover", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The failover benchmark: a probe in vk-client sends a request to the VIP of Service 'hello' every 10 ms; each round cuts "
                + "the MASTER's eth0 and measures the time from the cut to the first answer served through another node, then restores the "
                + "link and waits until one node holds the VIP steadily. Prints min / median / p95 / max. Starts the lab when it is not up.",
                "In BGP mode (a lab started with --announce bgp, or started here with it) the probe runs in vk-client2 behind the router "
                        + "and each round cuts the link of a node that carries traffic: the time is from the cut to the first request "
                        + "after which none failed (the router has dropped the node's route)."})
public final class LabFailoverCommand implements Callable<Integer>, OptionChecks {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--rounds", defaultValue = "10", converter = Rounds.class, description = "Rounds (default: ${DEFAULT-VALUE}, at most 200).")
    int rounds;

    @Option(names = "--csv", paramLabel = "FILE", description = "Write one row per round: " + Failover.CSV_HEADER)
    Path csv;

    @Option(names = "--stalls-csv", paramLabel = "FILE", description = "With --connections: write every stall of 50 ms or more of every "
            + "connection, with when it began from the action: " + ConnectionFailover.STALLS_CSV_HEADER)
    Path stallsCsv;

    @Option(names = "--settle-ms", defaultValue = "1000", converter = LabFlags.Millis.class, description = "After restoring the link, one node must hold the VIP this long "
            + "before the next round (default: ${DEFAULT-VALUE}; with --vrrp-instances per-vip use 7000: preempt_delay is 5 s).")
    long settleMs;

    @Option(names = "--connections", defaultValue = "0", converter = Connections.class, paramLabel = "N",
            description = "Also keep N long-lived TCP connections through the VIP of Service 'echo' (a line every 20 ms each, echo "
                    + "checked) and report per round: alive, reset, hung, longest stall, failed new requests. Starts the lab with "
                    + "conntrack sync (default: ${DEFAULT-VALUE}: off).")
    int connections;

    @Option(names = "--udp-flows", defaultValue = "0", converter = UdpFlowCount.class, paramLabel = "N",
            description = "With --connections: also send N UDP flows through the VIP (port 9000/UDP of Service 'echo', a datagram "
                    + "every 20 ms each) and report per round: answered after the failover, by one pod, from one source, longest "
                    + "gap (default: ${DEFAULT-VALUE}: none).")
    int udpFlows;

    @Option(names = "--planned", arity = "0..1", fallbackValue = "sigterm", paramLabel = "sigterm|label", converter = Planned.class,
            description = "With --connections: hand over on purpose instead of cutting the MASTER's link: sigterm (the default) stops "
                    + "its agent, as a rolling update does; label puts node.kubernetes.io/exclude-from-external-load-balancers on its "
                    + "Node, as before a drain (and takes it off after the round).")
    String planned;

    static final class Planned implements CommandLine.ITypeConverter<String> {
        @Override
        public String convert(String value) {
            if (!value.equals("sigterm") && !value.equals("label")) {
                throw new CommandLine.TypeConversionException("sigterm or label, not " + InvalidInputException.quote(value));
            }
            return value;
        }
    }

    @Option(names = "--announce", paramLabel = "vrrp|bgp", converter = LabFlags.Announce.class,
            description = "When this starts the lab: how its nodes announce (default: vrrp). A running lab is measured as it runs.")
    String announce;

    @Option(names = "--no-bfd", description = "When this starts the lab with --announce bgp: without BFD (BGP hold time only).")
    boolean noBfd;

    static final class Connections extends Flags.IntRange {
        Connections() {
            super(0, 1000, "a number of connections (0: none)");
        }
    }

    static final class UdpFlowCount extends Flags.IntRange {
        UdpFlowCount() {
            super(0, 1000, "a number of UDP flows (0: none)");
        }
    }

    static final class Rounds extends Flags.IntRange {
        Rounds() {
            super(1, 200, "a number of rounds");
        }
    }

    @Option(names = "--state-dir", hidden = true, defaultValue = "/run/vipkeeper-lab")
    File stateDir;

    @Override
    public void checkOptions() {
        if (csv != null) {
            Flags.writable("--csv", csv);
        }
        if (stallsCsv != null) {
            Flags.writable("--stalls-csv", stallsCsv);
        }
        if (stallsCsv != null && connections == 0) {
            throw CliErrors.usage(spec, "--stalls-csv: needs --connections N");
        }
        if (udpFlows > 0 && connections == 0) {
            throw CliErrors.usage(spec, "--udp-flows: needs --connections N");
        }
        if (planned != null && connections == 0) {
            throw CliErrors.usage(spec, "--planned: needs --connections N");
        }
        if (connections > 0 && "bgp".equals(announce)) {
            throw CliErrors.usage(spec, "--connections: measured with VRRP only, not with --announce bgp");
        }
        if (noBfd && !"bgp".equals(announce)) {
            throw CliErrors.usage(spec, "--no-bfd: needs --announce bgp");
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int pre = LabHost.preflight(out, err, "failover", false);
        if (pre != 0) {
            return pre;
        }
        LabPaths paths = new LabPaths(stateDir.toPath());
        if (connections > 0) {
            return withConnections(out, err, paths);
        }
        boolean running = LabHost.labProcess(paths).isPresent() && paths.readPlan() != null;
        Routing routing = running ? paths.readRouting() : LabFlags.routing(announce, noBfd);
        if (announce != null && running && routing != LabFlags.routing(announce, noBfd)) {
            err.println("vipkeeper lab failover: the lab runs with " + routing.text() + "; 'vipkeeper lab down' first, then run this again");
            return 1;
        }
        int up = LabUpCommand.up(out, err, paths, 3, null, "single", "default", false, false, routing, CpuSplit.NONE);
        if (up != 0) {
            return up;
        }
        if (routing.bgp()) {
            return bgp(out, paths, routing);
        }
        AddressPlan plan = paths.readPlan();
        String vip;
        try (KubernetesClient client = LabStatus.client(paths)) {
            vip = ensureHello(client, out);
        }
        out.printf("%nfailover benchmark: %d rounds against %s (Service default/hello), probe every 10 ms from %s%n", rounds, vip,
                AddressPlan.CLIENT_NS);
        out.printf("cut by hand: sudo ip -n vk-nodeN link set eth0 down   (restore: ... up)%n");
        out.flush();
        List<Failover.Round> done = new ArrayList<>();
        // bounded: at most 30 s per round plus a minute, one request per 10 ms
        int duration = rounds * 30 + 60;
        try (ProbeStream probe = new ProbeStream(vip, 80, 10, 1000, duration * 100, duration)) {
            for (int r = 1; r <= rounds; r++) {
                Failover.Round round = Failover.round(r, plan, vip, probe, 10_000, settleMs);
                done.add(round);
                out.printf("round %2d: cut %s (the cut command took %d ms), traffic through %s after %s%n", r, AddressPlan.nodeNs(round.cutNode()),
                        round.cutCommandMillis(), round.newNode() == 0 ? "-" : AddressPlan.nodeNs(round.newNode()),
                        round.millis() < 0 ? "NO ANSWER within 10 s" : round.millis() + " ms");
                out.flush();
            }
        }
        List<Long> ok = done.stream().filter(d -> d.millis() >= 0).map(Failover.Round::millis).toList();
        writeCsv(out, "CSV", csv, Failover.CSV_HEADER, done.stream().map(Failover.Round::csv).toList());
        if (ok.isEmpty()) {
            out.println("no round recovered");
            return 1;
        }
        FailoverStats s = FailoverStats.of(ok);
        out.printf("%nfailover (link down -> first answer through another node): min %d ms, median %d ms, p95 %d ms, max %d ms (%d of %d rounds)%n",
                s.min(), s.median(), s.p95(), s.max(), ok.size(), done.size());
        out.printf("(measured from when 'ip link set eth0 down' returned; the command itself took %d ms at the median)%n",
                FailoverStats.of(done.stream().map(Failover.Round::cutCommandMillis).toList()).median());
        out.flush();
        return ok.size() == done.size() ? 0 : 1;
    }

    /** The BGP rounds: probe from vk-client2 through the router, cut a node that carries traffic. */
    private int bgp(PrintWriter out, LabPaths paths, Routing routing) throws Exception {
        AddressPlan plan = paths.readPlan();
        FrrRouter router = FrrRouter.of(paths);
        String vip;
        try (KubernetesClient client = LabStatus.client(paths)) {
            vip = ensureHello(client, out);
        }
        out.printf("%nBGP failover benchmark (%s): %d rounds against %s (Service default/hello), a new connection every 10 ms "
                + "(300 ms budget each) from %s through %s%n", routing.bfd() ? "BFD 100 ms x 3" : "no BFD: hold time 3 s", rounds, vip,
                AddressPlan.CLIENT2_NS, AddressPlan.ROUTER_NS);
        out.flush();
        List<BgpFailover.Round> done = new ArrayList<>();
        int duration = rounds * 90 + 60;
        try (ProbeStream probe = new ProbeStream(AddressPlan.CLIENT2_NS, vip, 80, 10, 300, duration * 100, duration)) {
            for (int r = 1; r <= rounds; r++) {
                BgpFailover.Round round = BgpFailover.round(r, router, plan, vip, probe, 15_000);
                done.add(round);
                out.printf("round %2d: cut %s: new connections all answered again after %s (%d of %d requests failed); the router "
                        + "dropped the node after %s%n", r, AddressPlan.nodeNs(round.cutNode()),
                        round.millis() < 0 ? "NEVER" : round.millis() + " ms", round.failed(), round.requests(),
                        round.routeMillis() < 0 ? "NEVER" : round.routeMillis() + " ms");
                out.flush();
            }
        } finally {
            writeCsv(out, "CSV", csv, BgpFailover.CSV_HEADER, done.stream().map(BgpFailover.Round::csv).toList());
        }
        List<Long> ok = done.stream().filter(d -> d.millis() >= 0).map(BgpFailover.Round::millis).toList();
        if (ok.isEmpty()) {
            out.println("no round recovered");
            return 1;
        }
        FailoverStats s = FailoverStats.of(ok);
        out.printf("%nBGP failover (link down -> every new connection answered again): min %d ms, median %d ms, p95 %d ms, max %d ms "
                + "(%d of %d rounds); %d requests failed in all%n", s.min(), s.median(), s.p95(), s.max(), ok.size(), done.size(),
                done.stream().mapToInt(BgpFailover.Round::failed).sum());
        out.flush();
        return ok.size() == done.size() ? 0 : 1;
    }

    private int withConnections(PrintWriter out, PrintWriter err, LabPaths paths) throws Exception {
        int up = LabUpCommand.up(out, err, paths, 3, null, "single", "default", false, true);
        if (up != 0) {
            return up;
        }
        AddressPlan plan = paths.readPlan();
        if (!Files.exists(paths.nodeRunDir(1).resolve("conntrackd.conf"))) {
            err.println("vipkeeper lab failover: the lab runs without conntrack sync; 'vipkeeper lab down' first, then run this again");
            return 1;
        }
        List<ConnectionFailover.Round> done = new ArrayList<>();
        try (KubernetesClient client = LabStatus.client(paths)) {
            String vip = ensureEcho(client, out);
            String how = planned == null ? "link-cut" : planned.equals("label") ? "planned-label" : "planned";
            out.printf("%nfailover with %d long-lived connections: %d rounds against %s (Service default/echo), %s%n", connections, rounds, vip, how);
            out.flush();
            ConnectionFailover.Action action = planned == null ? master -> Lan.setLink(master, false)
                    : planned.equals("label") ? new ExcludeLabel(client, paths) : LabFailoverCommand::stopAgent;
            try {
                for (int r = 1; r <= rounds; r++) {
                    ConnectionFailover.Round round = ConnectionFailover.round(r, plan, vip, connections, udpFlows, how, action, settleMs);
                    done.add(round);
                    out.printf("round %2d: %s on %s: %d/%d alive, %d reset, %d hung; longest stall max %d ms, median %d ms (outside the "
                            + "failover: %s); new requests answered again after %d ms, %d failed%s%s%n", r, how, AddressPlan.nodeNs(round.node()),
                            round.alive(), connections, round.reset(), round.hung(), round.stallMaxMs(), round.stallMedianMs(),
                            round.stallOutsideMaxMs() == 0 ? "none" : round.stallOutsideMaxMs() + " ms at " + signed(round.stallOutsideAtMs()) + " s",
                            round.newConnectionMs(), round.failedNew(), round.backendDrops() == 0 ? ""
                                    : " (the backends dropped " + round.backendDrops() + " SYNs: their listen queues were full)",
                            round.syncedBefore() ? "" : " (the flows had not reached every node before: " + round.syncDetail() + ")");
                    ConnectionFailover.Udp udp = round.udp();
                    if (udp.flows() > 0) {
                        out.printf("          UDP: %d/%d flows answered after it, %d by one pod, %d from one source; longest gap max %d ms, "
                                + "median %d ms%n", udp.answering(), udp.flows(), udp.onePod(), udp.oneSource(), udp.gapMaxMs(), udp.gapMedianMs());
                    }
                    round.failures().forEach(f -> out.printf("          failed new request: %s%n", f));
                    out.flush();
                }
            } finally {
                // the rounds done are kept even when one fails (e.g. a lab that had not settled in time)
                writeCsv(out, "CSV", csv, ConnectionFailover.CSV_HEADER, done.stream().map(ConnectionFailover.Round::csv).toList());
                writeCsv(out, "stalls CSV", stallsCsv, ConnectionFailover.STALLS_CSV_HEADER,
                        done.stream().flatMap(d -> d.stallRows().stream()).toList());
            }
        }
        long all = done.stream().filter(ConnectionFailover.Round::keptEverything).count();
        FailoverStats stalls = FailoverStats.of(done.stream().map(ConnectionFailover.Round::stallMaxMs).toList());
        out.printf("%n%d of %d rounds kept every connection%s; longest stall (per round max): median %d ms, max %d ms%n", all, done.size(),
                udpFlows > 0 ? " and answered every UDP flow after the failover" : "", stalls.median(), stalls.max());
        out.flush();
        return all == done.size() ? 0 : 1;
    }

    private static String signed(long ms) {
        return String.format("%+.1f", ms / 1000.0);
    }

    /**
     * The planned handover before a drain: the exclusion label on the MASTER's Node (its agent sends the table to the
     * peers, then its instances go to FAULT); after the round the label comes off and the node is eligible again.
     */
    record ExcludeLabel(KubernetesClient client, LabPaths paths) implements ConnectionFailover.Action {
        @Override
        public void run(int master) {
            NodeExclusion.exclude(client, master);
        }

        /** Eligible again before the next round may hand over to it. */
        @Override
        public void restore(int master) throws Exception {
            NodeExclusion.include(client, paths, master, Duration.ofSeconds(15));
        }
    }

    /** SIGTERM to the agent JVM of node {@code i} (the lab starts it again, as a DaemonSet would); waits until it exited. */
    static void stopAgent(int i) throws Exception {
        Exec.Result pids = Exec.run(List.of("ip", "netns", "pids", AddressPlan.nodeNs(i)), Duration.ofSeconds(5));
        for (String line : pids.stdout().lines().toList()) {
            ProcessHandle h = ProcessHandle.of(Long.parseLong(line.strip())).orElse(null);
            if (h != null && h.info().arguments().map(a -> List.of(a).contains("agent") && List.of(a).contains(ChildJvm.ENTRY_POINT))
                    .orElse(false)) {
                h.destroy();
                h.onExit().get(20, TimeUnit.SECONDS);
                return;
            }
        }
        throw new IllegalStateException("no agent runs on " + AddressPlan.nodeNs(i));
    }

    /** Creates Service default/echo when missing ({@link EchoService}); waits for its address. */
    static String ensureEcho(KubernetesClient client, PrintWriter out) throws InterruptedException, IOException {
        EchoService.ensure(client, out);
        return awaitAddress(client, EchoService.NAME, 30_000);
    }

    static final String HELLO_YAML = """
            apiVersion: v1
            kind: Service
            metadata:
              name: hello
              namespace: default
            spec:
              type: LoadBalancer
              selector:
                app: hello
              ports:
              - name: http
                port: 80
                targetPort: 8080
            """;

    /** Creates Service default/hello when missing and waits for its address. */
    static String ensureHello(KubernetesClient client, PrintWriter out) throws InterruptedException, IOException {
        if (client.services().inNamespace("default").withName("hello").get() == null) {
            client.services().inNamespace("default").resource(new ServiceBuilder().withNewMetadata().withName("hello").endMetadata()
                    .withNewSpec().withType("LoadBalancer").addToSelector("app", "hello").addNewPort().withName("http").withProtocol("TCP")
                    .withPort(80).withNewTargetPort(8080).endPort().endSpec().build()).create();
            out.println("created Service default/hello");
        }
        return awaitAddress(client, "hello", 30_000);
    }

    static String awaitAddress(KubernetesClient client, String name, long timeoutMs) throws InterruptedException, IOException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            Service s = client.services().inNamespace("default").withName(name).get();
            List<String> ips = s == null ? List.of() : KubeReads.ingressIps(s);
            if (!ips.isEmpty()) {
                return ips.get(0);
            }
            Thread.sleep(200);
        }
        throw new IOException("Service default/" + name + " got no EXTERNAL-IP within " + timeoutMs / 1000 + " s");
    }

    /** {@code file} (when asked for: not null) with the header line and the rows, and a line saying where it went. */
    private static void writeCsv(PrintWriter out, String what, Path file, String header, List<String> rows) throws IOException {
        if (file == null) {
            return;
        }
        List<String> lines = new ArrayList<>(rows.size() + 1);
        lines.add(header);
        lines.addAll(rows);
        Files.write(file, lines);
        out.println(what + ": " + file);
    }
}
