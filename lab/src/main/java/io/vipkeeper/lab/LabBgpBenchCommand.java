package io.vipkeeper.lab;

import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vipkeeper.lab.lan.AddressPlan;
import io.vipkeeper.lab.lan.BgpFailover;
import io.vipkeeper.lab.lan.FailoverStats;
import io.vipkeeper.lab.lan.FrrRouter;
import io.vipkeeper.lab.lan.CpuSplit;
import io.vipkeeper.lab.lan.LabPaths;
import io.vipkeeper.lab.lan.ProbeStream;
import io.vipkeeper.lab.lan.Routing;
import io.vipkeeper.platform.Flags;
import io.vipkeeper.platform.OptionChecks;
import java.io.File;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vipkeeper lab bgp-bench}: the BGP figures other than failover (that one is {@code lab failover}). */
@Command(name = "bgp-bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"BGP-mode figures on a lab started with --announce bgp (started here when no lab runs): Service created -> "
                + "route on the router (per sample: first next hop, every node; 1.5 s apart), the ECMP spread of new connections from vk-client2 "
                + "over the nodes, and a rolling restart of every agent (SIGTERM, one after another) under traffic: failed requests."})
public final class LabBgpBenchCommand implements Callable<Integer>, OptionChecks {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--samples", defaultValue = "10", converter = Samples.class, description = "Services created, one at a time (default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--connections", defaultValue = "1000", converter = Connections.class,
            description = "New connections for the ECMP spread, one every 10 ms (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--csv-dir", paramLabel = "DIR", description = "Write bgp_route_latency.csv, bgp_ecmp_spread.csv and bgp_rolling_restart.csv there.")
    Path csvDir;

    @Option(names = "--state-dir", hidden = true, defaultValue = "/run/vipkeeper-lab")
    File stateDir;

    static final class Samples extends Flags.IntRange {
        Samples() {
            super(1, 100, "a number of samples");
        }
    }

    static final class Connections extends Flags.IntRange {
        Connections() {
            super(10, 20_000, "a number of connections");
        }
    }

    @Override
    public void checkOptions() {
        if (csvDir != null) {
            Flags.writable("--csv-dir", csvDir.resolve("bgp_route_latency.csv"));
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int pre = LabHost.preflight(out, err, "bgp-bench", false, Routing.BGP);
        if (pre != 0) {
            return pre;
        }
        LabPaths paths = new LabPaths(stateDir.toPath());
        boolean running = LabHost.labProcess(paths).isPresent() && paths.readPlan() != null;
        if (running && !paths.readRouting().bgp()) {
            err.println("vipkeeper lab bgp-bench: the lab runs with VRRP; 'vipkeeper lab down' first, then run this again");
            return 1;
        }
        int up = LabUpCommand.up(out, err, paths, 3, null, "single", "default", false, false, Routing.BGP, CpuSplit.NONE);
        if (up != 0) {
            return up;
        }
        AddressPlan plan = paths.readPlan();
        FrrRouter router = FrrRouter.of(paths);
        String vip;
        try (KubernetesClient client = LabStatus.client(paths)) {
            vip = LabFailoverCommand.ensureHello(client, out);
            BgpFailover.awaitAllNodes(router, plan, vip, 60_000);
            routeLatency(out, client, router, plan);
        }
        spread(out, plan, vip);
        rollingRestart(out, router, plan, vip);
        return 0;
    }

    /** Service created → its VIP's route on the router: through one node, through every node. Each Service deleted after. */
    private void routeLatency(PrintWriter out, KubernetesClient client, FrrRouter router, AddressPlan plan) throws Exception {
        out.printf("%nService created -> route on %s (%d samples)%n", AddressPlan.ROUTER_NS, samples);
        List<String> rows = new ArrayList<>(List.of("sample,address_ms,first_next_hop_ms,every_node_ms"));
        List<Long> first = new ArrayList<>();
        List<Long> all = new ArrayList<>();
        for (int k = 1; k <= samples; k++) {
            String name = "bgp-bench-" + k;
            long t0 = System.nanoTime();
            client.services().inNamespace("default").resource(new ServiceBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec()
                    .withType("LoadBalancer").addToSelector("app", "hello").addNewPort().withName("http").withProtocol("TCP").withPort(80)
                    .withNewTargetPort(AddressPlan.BACKEND_PORT).endPort().endSpec().build()).create();
            String address = LabFailoverCommand.awaitAddress(client, name, 30_000);
            long addressMs = (System.nanoTime() - t0) / 1_000_000;
            long firstMs = -1;
            long allMs = -1;
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (System.nanoTime() < deadline) {
                List<Integer> hops = router.nextHops(address);
                long now = (System.nanoTime() - t0) / 1_000_000;
                if (!hops.isEmpty() && firstMs < 0) {
                    firstMs = now;
                }
                if (hops.equals(plan.nodeIndexes())) {
                    allMs = now;
                    break;
                }
                Thread.sleep(20);
            }
            out.printf("sample %2d: %s: address after %d ms, route through one node after %d ms, through every node after %d ms%n", k, address,
                    addressMs, firstMs, allMs);
            out.flush();
            rows.add(k + "," + addressMs + "," + firstMs + "," + allMs);
            if (firstMs >= 0) {
                first.add(firstMs);
            }
            if (allMs >= 0) {
                all.add(allMs);
            }
            client.services().inNamespace("default").withName(name).delete();
            long gone = System.nanoTime() + 30_000_000_000L;
            while (!router.nextHops(address).isEmpty() && System.nanoTime() < gone) {
                Thread.sleep(50);
            }
            // the agents sync at most once a second: a Service created right after the deletion would measure that limit
            Thread.sleep(1500);
        }
        if (!first.isEmpty() && !all.isEmpty()) {
            out.printf("route through one node: %s; through every node: %s%n", FailoverStats.of(first), FailoverStats.of(all));
        }
        write("bgp_route_latency.csv", rows, out);
    }

    /** {@code connections} new connections from vk-client2, one every 10 ms: which node forwarded each. */
    private void spread(PrintWriter out, AddressPlan plan, String vip) throws Exception {
        out.printf("%nECMP spread: %d new connections from %s to %s, one every 10 ms%n", connections, AddressPlan.CLIENT2_NS, vip);
        out.flush();
        List<ProbeStream.Answer> answers;
        int duration = connections / 100 + 60;
        try (ProbeStream p = new ProbeStream(AddressPlan.CLIENT2_NS, vip, 80, 10, 1000, connections, duration)) {
            p.awaitEnd((duration + 10) * 1000L);
            answers = p.answers();
        }
        Map<String, Long> byNode = new TreeMap<>();
        for (ProbeStream.Answer a : answers) {
            String key = a.ok() ? (plan.nodeOf(a.from()) > 0 ? AddressPlan.nodeNs(plan.nodeOf(a.from())) : a.from()) : "failed";
            byNode.merge(key, 1L, Long::sum);
        }
        out.printf("answered %d of %d: %s%n", answers.stream().filter(ProbeStream.Answer::ok).count(), connections,
                byNode.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ")));
        List<String> rows = new ArrayList<>(List.of("node,connections"));
        byNode.forEach((k, v) -> rows.add(k + "," + v));
        write("bgp_ecmp_spread.csv", rows, out);
    }

    /**
     * Every agent in turn gets SIGTERM (the lab starts it again, as a DaemonSet would); the next one only once the
     * router sends the VIP to every node again and two more seconds passed. A request every 10 ms throughout.
     */
    private void rollingRestart(PrintWriter out, FrrRouter router, AddressPlan plan, String vip) throws Exception {
        out.printf("%nrolling restart of the agents under traffic (a new connection every 10 ms from %s)%n", AddressPlan.CLIENT2_NS);
        out.flush();
        List<String> rows = new ArrayList<>(List.of("node,sigterm_to_exit_ms,route_back_ms,failed_requests,requests"));
        int duration = plan.nodes() * 90 + 30;
        int totalFailed = 0;
        int total = 0;
        try (ProbeStream probe = new ProbeStream(AddressPlan.CLIENT2_NS, vip, 80, 10, 1000, duration * 100, duration)) {
            long warm = ProbeStream.nowMicros();
            probe.await(a -> a.ok() && a.sentMicros() > warm, 10_000);
            for (int i : plan.nodeIndexes()) {
                long start = ProbeStream.nowMicros();
                long t0 = System.nanoTime();
                LabFailoverCommand.stopAgent(i);
                long exitMs = (System.nanoTime() - t0) / 1_000_000;
                BgpFailover.awaitAllNodes(router, plan, vip, 60_000);
                long backMs = (System.nanoTime() - t0) / 1_000_000;
                long end = ProbeStream.nowMicros() + 2_000_000;
                probe.await(a -> a.sentMicros() > end + 1_100_000, 20_000); // every request sent until `end` has its answer
                List<ProbeStream.Answer> window = probe.answers().stream().filter(a -> a.sentMicros() >= start && a.sentMicros() <= end).toList();
                int failed = (int) window.stream().filter(a -> !a.ok()).count();
                totalFailed += failed;
                total += window.size();
                out.printf("%s: agent exited %d ms after SIGTERM, route through it again after %d ms; %d of %d requests failed%n",
                        AddressPlan.nodeNs(i), exitMs, backMs, failed, window.size());
                out.flush();
                rows.add(AddressPlan.nodeNs(i) + "," + exitMs + "," + backMs + "," + failed + "," + window.size());
            }
        }
        out.printf("rolling restart: %d of %d requests failed%n", totalFailed, total);
        write("bgp_rolling_restart.csv", rows, out);
    }

    private void write(String file, List<String> rows, PrintWriter out) throws Exception {
        if (csvDir != null) {
            Files.write(csvDir.resolve(file), rows);
            out.println("CSV: " + csvDir.resolve(file));
        }
        out.flush();
    }
}
