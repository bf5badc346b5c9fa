package io.vipkeeper.lab;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.vipkeeper.lab.ChaosFault.Kind;
import io.vipkeeper.lab.lan.AddressPlan;
import io.vipkeeper.lab.lan.LabPaths;
import io.vipkeeper.lab.lan.Lan;
import io.vipkeeper.lab.lan.LongLivedConnections;
import io.vipkeeper.lab.lan.ProbeStream;
import io.vipkeeper.platform.KubeReads;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;

/**
 * A chaos run: builds a lab of its own (3 nodes, an agent per node, two controller replicas with leader election:
 * {@link LabControllers}), sends traffic from vk-client through two VIPs, and breaks things at random times (seeded):
 * kills the leading controller replica, an agent JVM or a keepalived, stops the API server for a few seconds (it comes
 * back with the same objects), pulls a node's cable (its link loses carrier). Between faults it creates and deletes a few Services. A
 * sampler checks the invariants ({@link ChaosInvariants}) twice a second throughout; after each fault the traffic must
 * flow again within {@link Settings#recoveryBound()} of its end, and no request may fail outside a fault's window.
 * Output: a line per fault and per violation as they happen, then {@link ChaosReport}.
 */
public final class Chaos {

    /**
     * {@code recoveryBound}: traffic flows again this soon after a fault's end; {@code gapMin..gapMax}: quiet time
     * between faults (after the recovery bound); {@code settle}: the VIP holders are checked only this long after the
     * last fault's end; {@code finalSettle}: after the last fault, before the final check; {@code churn}: create and
     * delete Services between faults; {@code conntrackSync}: the agents sync their conntrack tables, and conntrackd is
     * killed too ({@code conntrackd-kill}, and with its agent); {@code connections}: that many long-lived TCP
     * connections through Service default/echo throughout (with sync only), every one of which must survive;
     * {@code vrrpInstances}: the agents' {@code --vrrp-instances}, single or per-vip (each VIP its own VRRP instance,
     * so the VIPs' holders differ and a fault takes some of them away).
     */
    public record Settings(Duration duration, long seed, Duration recoveryBound, Duration gapMin, Duration gapMax, Duration settle,
            Duration finalSettle, boolean churn, boolean conntrackSync, int connections, String vrrpInstances) {

        public Settings {
            if (connections < 0 || connections > 0 && !conntrackSync) {
                throw new IllegalArgumentException("long-lived connections survive faults only with conntrack sync");
            }
            if (!vrrpInstances.equals("single") && !vrrpInstances.equals("per-vip")) {
                throw new IllegalArgumentException("VRRP instances: single or per-vip, not " + vrrpInstances);
            }
        }

        public Settings(Duration duration, long seed, Duration recoveryBound, Duration gapMin, Duration gapMax, Duration settle,
                Duration finalSettle, boolean churn) {
            this(duration, seed, recoveryBound, gapMin, gapMax, settle, finalSettle, churn, false, 0, "single");
        }

        public static Settings of(Duration duration, long seed) {
            return new Settings(duration, seed, Duration.ofSeconds(5), Duration.ofSeconds(3), Duration.ofSeconds(10), Duration.ofSeconds(5),
                    Duration.ofSeconds(20), true);
        }

        /** The same with conntrack sync, and {@code connections} long-lived connections (0: none). */
        public Settings withSync(int connections) {
            return new Settings(duration, seed, recoveryBound, gapMin, gapMax, settle, finalSettle, churn, true, connections, vrrpInstances);
        }

        /** The same with the agents' {@code --vrrp-instances} {@code mode}. */
        public Settings withVrrpInstances(String mode) {
            return new Settings(duration, seed, recoveryBound, gapMin, gapMax, settle, finalSettle, churn, conntrackSync, connections, mode);
        }
    }

    static final List<String> SERVICES = List.of("hello", "web");
    static final int PROBE_INTERVAL_MS = 20;
    static final int PROBE_TIMEOUT_MS = 1000;
    /** How long a killed process may take to run again (a JVM starting on a busy 2-core machine). */
    static final Duration RESTART_BOUND = Duration.ofSeconds(120);
    static final Duration SAMPLE_EVERY = Duration.ofMillis(500);

    private final Settings settings;
    private final LabPaths paths;
    private final PrintWriter out;
    private final ChaosSchedule schedule;
    private final ChaosInvariants.Tracker tracker = new ChaosInvariants.Tracker();
    private final List<ChaosReport.Logged> violations = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger churnSeq = new AtomicInteger();
    private final List<String> churn = new ArrayList<>();
    private long t0;
    private volatile long chaosStart = Long.MAX_VALUE;
    private Lab lab;
    private LabControllers controllers;
    private KubernetesClient client;
    private volatile boolean faultOn;
    private volatile long lastEndMicros;
    /** Ends the sampler. */
    private volatile boolean stopping;
    /** Ctrl-C: no more faults; the lab is taken down. */
    private volatile boolean stopRequested;
    private volatile Set<String> knownVips = Set.of();
    /** Long-lived connections alive at the end ({@link ChaosConnections}). */
    private int connectionsAlive;

    /** {@code out}: the lines of the run, as they happen. */
    public Chaos(LabPaths paths, Settings settings, PrintWriter out) {
        this.settings = settings;
        this.paths = paths;
        this.out = out;
        this.schedule = new ChaosSchedule(settings.seed(), ChaosFault.Kind.of(settings.conntrackSync()));
    }

    /**
     * Builds the lab, runs the chaos, takes the lab down (also on failure or {@link #stop()}) and reports. Throws when
     * the lab could not be built or its Services never got going (before any fault).
     */
    public ChaosReport run() throws IOException, InterruptedException {
        t0 = ProbeStream.nowMicros();
        List<ChaosFault> faults = new ArrayList<>();
        List<ChaosTraffic.Window> windows = new ArrayList<>();
        List<ProbeStream> probes = new ArrayList<>();
        List<String> vips = new ArrayList<>();
        LongLivedConnections connections = null;
        List<LongLivedConnections.Result> connectionResults = List.of();
        Thread sampler = null;
        int[] requests = new int[3]; // sent, failed inside fault windows, failed outside
        try {
            build();
            for (String name : SERVICES) {
                vips.add(createService(name, Duration.ofSeconds(60)));
            }
            for (String vip : vips) {
                awaitOrThrow(() -> lab.holders(vip).size() == 1, "one node holds " + vip, Duration.ofSeconds(60));
            }
            int seconds = (int) Math.min(3600, settings.duration().toSeconds() + 300);
            if (settings.connections() > 0) {
                connections = openConnections(seconds);
            }
            for (String vip : vips) {
                probes.add(new ProbeStream(vip, 80, PROBE_INTERVAL_MS, PROBE_TIMEOUT_MS, Math.min(100_000, seconds * 1000 / PROBE_INTERVAL_MS), seconds));
            }
            for (ProbeStream p : probes) {
                long since = ProbeStream.nowMicros();
                if (p.await(a -> a.ok() && a.sentMicros() > since, 30_000) == null) {
                    throw new IOException("no answer through the VIPs " + vips + " from " + AddressPlan.CLIENT_NS + " within 30 s");
                }
            }
            line("traffic: every " + PROBE_INTERVAL_MS + " ms to each of " + vips + " from " + AddressPlan.CLIENT_NS
                    + (connections == null ? "" : ", and " + settings.connections() + " long-lived connections through the echo VIP") + "; chaos for "
                    + settings.duration().toSeconds() + " s, seed " + settings.seed() + (settings.conntrackSync() ? ", conntrack sync on" : ""));
            chaosStart = ProbeStream.nowMicros();
            lastEndMicros = chaosStart;
            sampler = new Thread(this::sampleLoop, "chaos-sampler");
            sampler.setDaemon(true);
            sampler.start();

            long deadline = ProbeStream.nowMicros() + settings.duration().toNanos() / 1000;
            int n = 0;
            while (!stopRequested && ProbeStream.nowMicros() < deadline) {
                churn();
                Kind kind = schedule.nextKind();
                n++;
                long start = ProbeStream.nowMicros();
                faultOn = true;
                Done done;
                try {
                    done = fault(kind);
                } finally {
                    lastEndMicros = ProbeStream.nowMicros();
                    faultOn = false;
                }
                long end = lastEndMicros;
                ChaosTraffic.Window window = new ChaosTraffic.Window(start - PROBE_TIMEOUT_MS * 1000L, end + settings.recoveryBound().toNanos() / 1000);
                windows.add(window);
                // every request sent in the window has its answer by the window's end plus the probe's timeout
                sleepUntil(window.toMicros() + PROBE_TIMEOUT_MS * 1000L + 200_000);
                ChaosTraffic.Impact impact = ChaosTraffic.Impact.NONE;
                for (ProbeStream p : probes) {
                    impact = impact.and(ChaosTraffic.impact(p.answers(), start, window));
                }
                List<String> faultViolations = new ArrayList<>(done.violations());
                if (!impact.inBound()) {
                    faultViolations.add("traffic through the VIPs not flowing again within " + settings.recoveryBound().toMillis()
                            + " ms of the end of fault " + n + " (" + (impact.recoveryMillis() < 0 ? "not at all" : impact.recoveryMillis()
                            + " ms after its start") + ")");
                }
                ChaosFault f = new ChaosFault(n, kind, done.target(), instant(start), (end - start) / 1000, impact.failed(), impact.recoveryMillis(),
                        faultViolations, done.note(), -1);
                faults.add(f);
                line(String.format("fault %3d %-16s %-14s %-44s %5d ms; %4d requests failed, traffic %s", n, kind.label, f.target(), f.note(),
                        f.faultMillis(), f.failedRequests(), f.recoveryMillis() == 0 ? "never stopped"
                                : f.recoveryMillis() < 0 ? "DID NOT RECOVER" : "back after " + f.recoveryMillis() + " ms"));
                for (String v : faultViolations) {
                    violation(ProbeStream.nowMicros(), "fault " + n + ": " + v);
                }
                sleepUntil(ProbeStream.nowMicros() + schedule.between(settings.gapMin(), settings.gapMax()).toNanos() / 1000);
            }
            // settle, then every invariant must hold at once: no grace left
            sleepUntil(ProbeStream.nowMicros() + settings.finalSettle().toNanos() / 1000);
            stopping = true;
            sampler.join(5000);
            finalCheck();
            if (connections != null) {
                connections.finish();
                connectionResults = connections.awaitEnd(30_000);
            }
        } finally {
            stopping = true;
            if (sampler != null) {
                sampler.interrupt();
            }
            probes.forEach(ProbeStream::close);
            if (connections != null) {
                connections.close();
                judgeConnections(connectionResults, faults, windows);
            }
            // from the start of the chaos on: before it, the VIPs were just taken (the probes waited for a first answer)
            List<ProbeStream.Answer> all = new ArrayList<>();
            probes.forEach(p -> p.answers().stream().filter(a -> a.sentMicros() >= chaosStart).forEach(all::add));
            List<ChaosTraffic.Burst> outside = ChaosTraffic.outside(all, windows);
            requests[0] = all.size();
            requests[2] = outside.stream().mapToInt(ChaosTraffic.Burst::count).sum();
            requests[1] = (int) all.stream().filter(a -> !a.ok()).count() - requests[2];
            for (ChaosTraffic.Burst b : outside) {
                violation(b.fromMicros(), b.count() + " request(s) failed outside every fault window (" + instant(b.fromMicros()) + " to "
                        + instant(b.toMicros()) + "; " + String.join(", ", b.reasons()) + ")");
            }
            line("taking the lab down");
            teardown();
        }
        List<String> left = new ArrayList<>(Lan.namespaces());
        if (!left.isEmpty()) {
            violation(ProbeStream.nowMicros(), "left behind after the lab was taken down: " + left);
        }
        return new ChaosReport(settings, faults, List.copyOf(violations), requests[0], requests[1], requests[2], connectionsAlive);
    }

    /** What a fault did: its target, a note (durations, signal) and violations of its own (a process not back). */
    private record Done(String target, String note, List<String> violations) {
        Done(String target, String note) {
            this(target, note, List.of());
        }
    }

    private void build() throws IOException, InterruptedException {
        Lan.destroyAll(); // leftovers of a crashed run, before choosing the /24
        AddressPlan plan = new AddressPlan(Lan.choosePrefix(), 3);
        lab = new Lab(new Lab.Options(plan, paths, settings.vrrpInstances(), 3, settings.conntrackSync() ? List.of("--conntrack-sync") : List.of(),
                true, false));
        line("building the lab: 3 nodes on " + plan.cidr() + ", an agent per node (" + settings.vrrpInstances() + " VRRP instances)"
                + (settings.conntrackSync() ? " with conntrack sync" : "")
                + ", 2 controller replicas (vk-node1, vk-node2) ...");
        lab.start();
        for (int i : plan.nodeIndexes()) {
            lab.startAgent(i);
        }
        controllers = new LabControllers(plan, paths, List.of(1, 2));
        controllers.start();
        client = LabStatus.client(paths);
        awaitOrThrow(() -> lab.readyPods().size() == 3, "3 ready pods", Duration.ofSeconds(90));
        awaitOrThrow(() -> controllers.leaders().size() == 1, "one leading controller replica", Duration.ofSeconds(120));
    }

    private void teardown() {
        if (controllers != null) {
            controllers.close();
        }
        if (client != null) {
            client.close();
        }
        if (lab != null) {
            lab.close();
        }
    }

    private String createService(String name, Duration limit) throws IOException, InterruptedException {
        return create(helloService(name), limit);
    }

    /** A LoadBalancer Service {@code name} for the hello pods' HTTP port. */
    private static Service helloService(String name) {
        return new ServiceBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withType("LoadBalancer").addToSelector("app", "hello").addNewPort().withName("http").withProtocol("TCP")
                .withPort(80).withNewTargetPort(8080).endPort().endSpec().build();
    }

    /** Creates {@code service} in default and waits up to {@code limit} for its address. */
    private String create(Service service, Duration limit) throws IOException, InterruptedException {
        client.services().inNamespace("default").resource(service).create();
        String name = service.getMetadata().getName();
        String[] ip = new String[1];
        awaitOrThrow(() -> {
            Service s = client.services().inNamespace("default").withName(name).get();
            List<String> ips = s == null ? List.of() : KubeReads.ingressIps(s);
            ip[0] = ips.isEmpty() ? null : ips.get(0);
            return ip[0] != null;
        }, "an address for Service default/" + name, limit);
        return ip[0];
    }

    /**
     * Service default/echo and the long-lived connections through its VIP (for up to {@code seconds}; ended by
     * {@link LongLivedConnections#finish} after the final check), every one open before the chaos starts.
     */
    private LongLivedConnections openConnections(int seconds) throws IOException, InterruptedException {
        String vip = create(EchoService.definition(), Duration.ofSeconds(60));
        awaitOrThrow(() -> lab.holders(vip).size() == 1, "one node holds " + vip, Duration.ofSeconds(60));
        LongLivedConnections c = new LongLivedConnections(vip, AddressPlan.ECHO_PORT, settings.connections(), PROBE_INTERVAL_MS, seconds);
        if (!c.awaitReady(30_000)) {
            c.close();
            throw new IOException(settings.connections() + " connections to " + vip + ":" + AddressPlan.ECHO_PORT + " not open within 30 s");
        }
        return c;
    }

    /**
     * The connections' verdict ({@link ChaosConnections}): each fault gets its longest stall, every connection lost and
     * every stall outside the windows longer than a request may take is a violation.
     */
    private void judgeConnections(List<LongLivedConnections.Result> results, List<ChaosFault> faults, List<ChaosTraffic.Window> windows) {
        List<ChaosConnections.Fault> named = new ArrayList<>();
        for (int i = 0; i < faults.size(); i++) {
            named.add(new ChaosConnections.Fault("fault " + faults.get(i).n() + " " + faults.get(i).kind().label, windows.get(i)));
        }
        ChaosConnections.Verdict v = ChaosConnections.judge(results, settings.connections(), named, PROBE_TIMEOUT_MS);
        for (int i = 0; i < faults.size(); i++) {
            faults.set(i, faults.get(i).withConnectionStall(v.longestStallMs().get(i)));
        }
        connectionsAlive = v.alive();
        line("connections: " + v.alive() + " of " + v.expected() + " alive at the end");
        v.violations().forEach(x -> violation(x.atMicros() > 0 ? x.atMicros() : ProbeStream.nowMicros(), x.text()));
    }

    /** Between faults, now and then: a Service more (up to 3) or one less, so the allocator and the ConfigMap have work. */
    private void churn() {
        if (!schedule.coin() || !settings.churn()) {
            return;
        }
        try {
            if (churn.size() < 3 && (churn.isEmpty() || schedule.coin())) {
                String name = "churn-" + churnSeq.incrementAndGet();
                client.services().inNamespace("default").resource(helloService(name)).create();
                churn.add(name);
                line("churn: created Service default/" + name);
            } else if (!churn.isEmpty()) {
                String name = churn.remove(0);
                client.services().inNamespace("default").withName(name).delete();
                line("churn: deleted Service default/" + name);
            }
        } catch (KubernetesClientException e) {
            line("churn: the API server refused (" + e.getMessage() + "); going on");
        }
    }

    private Done fault(Kind kind) throws InterruptedException {
        return switch (kind) {
            case LINK -> {
                int node = targetNode();
                Duration down = schedule.between(Duration.ofSeconds(1), Duration.ofSeconds(4));
                String held = heldBy(node);
                Lan.setCable(node, false);
                try {
                    Thread.sleep(down.toMillis());
                } finally {
                    Lan.setCable(node, true);
                }
                yield new Done(AddressPlan.nodeNs(node), "cable out " + down.toMillis() + " ms" + held);
            }
            case API -> {
                Duration down = schedule.between(Duration.ofSeconds(2), Duration.ofSeconds(6));
                lab.pauseApi();
                try {
                    Thread.sleep(down.toMillis());
                } finally {
                    lab.resumeApi();
                }
                yield new Done("api-server", "stopped " + down.toMillis() + " ms, same objects after");
            }
            case KEEPALIVED -> killDaemon("keepalived", lab::keepalivedPid);
            case AGENT -> {
                int node = targetNode();
                String held = heldBy(node);
                Optional<Process> before = lab.agentProcess(node);
                Optional<Long> keepalived = lab.keepalivedPid(node);
                if (before.isEmpty()) {
                    yield new Done(AddressPlan.nodeNs(node), "no agent running to kill", List.of("agent not running on "
                            + AddressPlan.nodeNs(node) + " before the fault"));
                }
                long pid = before.get().pid();
                // as a container kill does: the agent, its keepalived and its conntrackd die together (in a pod, tini and
                // with it every process of the container go when the JVM dies); the VIPs it held stay on eth0 until the
                // agent is back
                before.get().destroyForcibly();
                keepaliveds(node).forEach(ProcessHandle::destroyForcibly);
                lab.conntrackdPid(node).flatMap(ProcessHandle::of).ifPresent(ProcessHandle::destroyForcibly);
                // back: a new agent runs, and so does a keepalived it started (the old one is a leftover it must replace)
                boolean back = await(() -> lab.agentProcess(node).filter(p -> p.pid() != pid && p.isAlive()).isPresent()
                        && lab.keepalivedPid(node).filter(k -> keepalived.isEmpty() || !k.equals(keepalived.get())).isPresent(), RESTART_BOUND);
                yield new Done(AddressPlan.nodeNs(node), "SIGKILL pid " + pid + held, back ? List.of()
                        : List.of("agent and its keepalived not running again on " + AddressPlan.nodeNs(node) + " within "
                                + RESTART_BOUND.toSeconds() + " s"));
            }
            case CONNTRACKD -> killDaemon("conntrackd", lab::conntrackdPid);
            case CONTROLLER -> {
                boolean hard = schedule.coin();
                Optional<Integer> leader = Optional.empty();
                long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (leader.isEmpty() && System.nanoTime() < until) {
                    leader = leaderReplica();
                    if (leader.isEmpty()) {
                        Thread.sleep(200);
                    }
                }
                if (leader.isEmpty()) {
                    yield new Done("controller", "no replica led for 30 s", List.of("no controller replica led for 30 s before the fault"));
                }
                int r = leader.get();
                Optional<Process> p = controllers.process(r);
                if (p.isEmpty()) {
                    yield new Done(LabControllers.identity(r), "not running", List.of(LabControllers.identity(r) + " led but did not run"));
                }
                long pid = p.get().pid();
                if (hard) {
                    p.get().destroyForcibly();
                } else {
                    p.get().destroy();
                }
                long killed = System.nanoTime();
                boolean led = await(() -> controllers.leaders().size() == 1, RESTART_BOUND);
                long handover = (System.nanoTime() - killed) / 1_000_000;
                boolean back = await(() -> controllers.process(r).filter(q -> q.pid() != pid && q.isAlive()).isPresent(), RESTART_BOUND);
                List<String> v = new ArrayList<>();
                if (!led) {
                    v.add("no controller replica led within " + RESTART_BOUND.toSeconds() + " s of killing the leader");
                }
                if (!back) {
                    v.add(LabControllers.identity(r) + " not running again within " + RESTART_BOUND.toSeconds() + " s");
                }
                yield new Done(LabControllers.identity(r), (hard ? "SIGKILL" : "SIGTERM") + " leader pid " + pid + ", a leader again after "
                        + handover + " ms", v);
            }
        };
    }

    /**
     * SIGKILLs daemon {@code name} of a node (half the time the VIPs' holder), found by {@code pidOf}; over when the
     * agent has started it again (another pid).
     */
    private Done killDaemon(String name, IntFunction<Optional<Long>> pidOf) throws InterruptedException {
        int node = targetNode();
        String held = heldBy(node);
        Optional<Long> before = pidOf.apply(node);
        if (before.isEmpty()) {
            return new Done(AddressPlan.nodeNs(node), "no " + name + " running to kill", List.of(name + " not running on "
                    + AddressPlan.nodeNs(node) + " before the fault"));
        }
        ProcessHandle.of(before.get()).ifPresent(ProcessHandle::destroyForcibly);
        boolean back = await(() -> pidOf.apply(node).filter(p -> !p.equals(before.get())).isPresent(), RESTART_BOUND);
        return new Done(AddressPlan.nodeNs(node), "SIGKILL pid " + before.get() + held, back ? List.of()
                : List.of(name + " not running again on " + AddressPlan.nodeNs(node) + " within " + RESTART_BOUND.toSeconds() + " s"));
    }

    /** keepalived's processes on node {@code i} (the parent and its VRRP child), from their pid files. */
    private List<ProcessHandle> keepaliveds(int i) {
        List<ProcessHandle> out = new ArrayList<>();
        for (String f : List.of("keepalived.pid", "vrrp.pid")) {
            try {
                long pid = Long.parseLong(Files.readString(lab.paths().nodeRunDir(i).resolve(f)).strip());
                ProcessHandle.of(pid).filter(h -> h.info().command().map(c -> c.endsWith("keepalived")).orElse(false)).ifPresent(out::add);
            } catch (IOException | NumberFormatException e) {
                // not running
            }
        }
        return out;
    }

    /** The leading replica: the one the Lease names, if it says it leads; else the one that says it does. */
    private Optional<Integer> leaderReplica() {
        try {
            Optional<Integer> byLease = controllers.leaseHolder(client);
            if (byLease.isPresent() && controllers.leading(byLease.get())) {
                return byLease;
            }
        } catch (KubernetesClientException e) {
            // the API server is away: ask the replicas
        }
        List<String> leaders = controllers.leaders();
        return leaders.size() == 1 ? Optional.of(Integer.parseInt(leaders.get(0).substring(leaders.get(0).lastIndexOf('-') + 1)))
                : Optional.empty();
    }

    /** Half the time the node holding the first VIP (a fault there moves traffic), else any node. */
    private int targetNode() {
        List<Integer> nodes = lab.plan().nodeIndexes();
        Set<String> vips = knownVips;
        if (schedule.coin() && !vips.isEmpty()) {
            List<Integer> h = lab.holders(new TreeSet<>(vips).first());
            if (h.size() == 1) {
                return h.get(0);
            }
        }
        return schedule.pick(nodes);
    }

    private String heldBy(int node) {
        List<String> held = knownVips.stream().filter(v -> lab.holders(v).contains(node)).sorted().toList();
        return held.isEmpty() ? "" : ", held " + String.join(" ", held);
    }

    private void sampleLoop() {
        while (!stopping) {
            try {
                sampleOnce();
                Thread.sleep(SAMPLE_EVERY.toMillis());
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                line("sampler: " + e); // a sample that could not be taken is no verdict; the next one is
            }
        }
    }

    private void sampleOnce() {
        long at = ProbeStream.nowMicros();
        ChaosInvariants.ApiView view = readApi();
        if (view != null) {
            knownVips = view.services().stream().flatMap(s -> s.addresses().stream()).collect(java.util.stream.Collectors.toCollection(TreeSet::new));
            report(tracker.observe("api", ChaosInvariants.api(view), at));
        }
        List<String> leaders = controllers.leaders();
        List<ChaosInvariants.Breach> lb = new ArrayList<>(ChaosInvariants.leaders(leaders));
        if (leaders.isEmpty()) {
            lb.add(new ChaosInvariants.Breach(ChaosInvariants.NO_LEADER, "controllers", "no controller replica leads"));
        }
        report(tracker.observe("leaders", lb, at));
        if (!faultOn && at - lastEndMicros >= settings.settle().toNanos() / 1000) {
            report(tracker.observe("holders", ChaosInvariants.holders(knownVips, holders()), at));
        } else {
            tracker.clear("holders");
        }
    }

    private Map<String, List<Integer>> holders() {
        Map<String, List<Integer>> out = new TreeMap<>();
        for (int i : lab.plan().nodeIndexes()) {
            for (String a : Lan.addresses(i)) {
                out.computeIfAbsent(a, k -> new ArrayList<>()).add(i);
            }
        }
        return out;
    }

    /** The API server's Services and VIP ConfigMap, or null while it does not answer. */
    private ChaosInvariants.ApiView readApi() {
        try {
            List<ChaosInvariants.Svc> services = new ArrayList<>();
            for (Service s : client.services().inAnyNamespace().list().getItems()) {
                if (!"LoadBalancer".equals(s.getSpec().getType())) {
                    continue;
                }
                Map<String, String> ann = s.getMetadata().getAnnotations();
                services.add(new ChaosInvariants.Svc(s.getMetadata().getNamespace() + "/" + s.getMetadata().getName(), KubeReads.ingressIps(s),
                        ann == null ? null : ann.get("vipkeeper.io/allow-shared-ip")));
            }
            String[] cm = Lab.CONFIGMAP.split("/");
            ConfigMap map = client.configMaps().inNamespace(cm[0]).withName(cm[1]).get();
            Map<String, String> data = map == null || map.getData() == null ? Map.of() : map.getData();
            String owned = map == null || map.getMetadata().getAnnotations() == null ? null
                    : map.getMetadata().getAnnotations().get("vipkeeper.io/owned-entries");
            Set<String> ownedKeys = owned == null || owned.isBlank() ? Set.of() : new TreeSet<>(Arrays.asList(owned.split(",")));
            return new ChaosInvariants.ApiView(services, data, ownedKeys);
        } catch (KubernetesClientException e) {
            return null;
        }
    }

    /** Every invariant, with no grace: after the final settle nothing may be untrue any more. */
    private void finalCheck() {
        long at = ProbeStream.nowMicros();
        String after = "after settling " + settings.finalSettle().toSeconds() + " s: ";
        ChaosInvariants.ApiView view = readApi();
        if (view == null) {
            violation(at, after + "the API server does not answer");
            return;
        }
        Set<String> vips = new TreeSet<>();
        view.services().forEach(s -> vips.addAll(s.addresses()));
        List<ChaosInvariants.Breach> all = new ArrayList<>(ChaosInvariants.api(view));
        all.addAll(ChaosInvariants.holders(vips, holders()));
        List<String> leaders = controllers.leaders();
        all.addAll(ChaosInvariants.leaders(leaders));
        if (leaders.isEmpty()) {
            all.add(new ChaosInvariants.Breach(ChaosInvariants.NO_LEADER, "controllers", "no controller replica leads"));
        }
        for (ChaosInvariants.Breach b : all) {
            violation(at, after + b.invariant() + ": " + b.detail());
        }
        line("final check: " + view.services().size() + " Services, " + vips.size() + " VIPs, leader " + leaders + ": "
                + (all.isEmpty() ? "every invariant holds" : all.size() + " broken"));
    }

    private void report(List<ChaosInvariants.Violation> confirmed) {
        for (ChaosInvariants.Violation v : confirmed) {
            violation(v.sinceMicros(), v.breach().invariant() + ": " + v.breach().detail() + " (since " + instant(v.sinceMicros()) + ", for "
                    + (v.confirmedMicros() - v.sinceMicros()) / 1000 + " ms)");
        }
    }

    private void violation(long atMicros, String text) {
        violations.add(new ChaosReport.Logged(instant(atMicros), text));
        line("VIOLATION " + text);
    }

    private void line(String text) {
        long now = ProbeStream.nowMicros();
        synchronized (out) {
            out.printf("%s +%6.1fs %s%n", instant(now), (now - t0) / 1e6, text);
            out.flush();
        }
    }

    private static Instant instant(long micros) {
        return Instant.ofEpochSecond(micros / 1_000_000, (micros % 1_000_000) * 1000);
    }

    private void sleepUntil(long micros) throws InterruptedException {
        long left;
        while (!stopRequested && (left = micros - ProbeStream.nowMicros()) > 0) {
            Thread.sleep(Math.min(200, Math.max(1, left / 1000)));
        }
    }

    /** Polls {@code c} every 200 ms; whether it came true within {@code limit}. */
    private static boolean await(BooleanSupplier c, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (c.getAsBoolean()) {
                    return true;
                }
            } catch (RuntimeException e) {
                // not yet (the API server may be away)
            }
            Thread.sleep(200);
        }
        return false;
    }

    private static void awaitOrThrow(BooleanSupplier c, String what, Duration limit) throws IOException, InterruptedException {
        if (!await(c, limit)) {
            throw new IOException("no " + what + " within " + limit.toSeconds() + " s");
        }
    }

    /** Stops the run early (Ctrl-C): the current fault ends, the lab is taken down. */
    public void stop() {
        stopRequested = true;
    }
}
