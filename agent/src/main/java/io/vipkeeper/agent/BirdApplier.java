package io.vipkeeper.agent;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.agent.InterfaceName;
import io.vipkeeper.core.bgp.Bfd;
import io.vipkeeper.core.bgp.BgpPeer;
import io.vipkeeper.core.bgp.BgpSplit;
import io.vipkeeper.core.bgp.BgpVip;
import io.vipkeeper.core.bgp.BirdPlan;
import io.vipkeeper.core.bgp.BirdReplies;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.plan.AgentPlan;
import io.vipkeeper.core.render.BirdConfig;
import io.vipkeeper.platform.AtomicFile;
import io.vipkeeper.platform.process.Exec;
import io.vipkeeper.platform.process.Sleep;
import io.vipkeeper.platform.process.Supervisor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Announces this node's BGP VIPs with BIRD 2, run as the agent's child. Each sync: bind the BGP VIPs on {@code lo}
 * (the data plane forwards what arrives for them; ARP for them is kept off the LAN: {@code arp_ignore=1},
 * {@code arp_announce=2}), render bird.conf, check it with {@code bird -p} (a refused one is reported and never
 * used: the last good one stays), then start BIRD or {@code configure} it over the control socket (never a restart:
 * a restart withdraws every VIP of the node), then unbind what is no longer announced (withdraw first). A poller
 * reads the sessions and BFD state from the control socket every second (metrics, events, health). On close it
 * withdraws everything, waits until BIRD has sent the withdrawals and the routers had time to move the traffic,
 * and only then stops BIRD; the data plane is undone after it (the Reconciler closes appliers last first).
 */
final class BirdApplier implements Applier {

    private static final Logger LOG = LoggerFactory.getLogger(BirdApplier.class);
    private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration SOCKET_WAIT = Duration.ofSeconds(10);
    /** How long without any Established session before /healthz fails (sessions take a few seconds to come up). */
    static final Duration NO_SESSION_GRACE = Duration.ofSeconds(30);

    /** Told when a peer's session changes (for an Event). */
    interface SessionListener {
        void changed(BgpPeer peer, String from, String to, boolean established);
    }

    /**
     * @param routerId {@code --bgp-router-id}, or null for this node's IPv4 address
     * @param drain    how long after BIRD sent the withdrawals the agent keeps forwarding when it stops
     */
    record Spec(String birdBin, Path runDir, IpAddress routerId, Duration drain) {
    }

    private final HostCommands host;
    private final Spec spec;
    private final BgpContext context;
    private final BgpMetrics metrics;
    private final SessionListener listener;
    private final Path config;
    private final BirdControl control;
    private final InterfaceAddresses loopback;
    private Supervisor supervisor;
    private ScheduledExecutorService poller;
    private Digest running;
    /** The VIPs this agent bound on lo. */
    private final Set<IpAddress> bound = new TreeSet<>();
    /** {@link #bound}, on disk: a killed agent's are removed by the next one ({@link #releaseLeftovers}). */
    private final BoundVipsFile boundFile;
    private boolean leftoversReleased;
    private boolean arpQuiet;
    private volatile List<BgpPeer> peers = List.of();
    private volatile List<BgpVip> announced = List.of();
    /** The BGP VIPs this node holds (announced or not) in the configuration in force. */
    private volatile List<IpAddress> held = List.of();
    private final Map<String, String> lastState = new ConcurrentHashMap<>();
    private volatile boolean anyEstablished;
    private volatile long lastEstablishedOrStart;
    private volatile String lastPollError;

    BirdApplier(HostCommands host, Spec spec, BgpContext context, PrometheusRegistry registry, SessionListener listener) {
        this.host = host;
        this.spec = spec;
        this.context = context;
        this.metrics = new BgpMetrics(registry, this::restarts);
        this.listener = listener;
        this.config = spec.runDir().resolve("bird.conf");
        this.control = new BirdControl(spec.runDir().resolve("bird.ctl"), Duration.ofSeconds(5));
        this.loopback = new InterfaceAddresses(host, new InterfaceName("lo"));
        this.boundFile = new BoundVipsFile(spec.runDir(), BoundVipsFile.BGP_ON_LO);
    }

    @Override
    public Kind kind() {
        return Kind.BIRD;
    }

    /** This node's bird.conf for {@code plan}; throws {@link InvalidInputException} when it cannot be made. */
    static BirdPlan birdPlan(AgentPlan plan, BgpContext context, IpAddress routerId) {
        BgpSplit.Result split = context.split(plan);
        IpAddress rid = routerId != null ? routerId : context.nodeIpv4();
        if (rid == null) {
            throw new InvalidInputException("no BGP router id: this node has no IPv4 address; set --bgp-router-id");
        }
        return new BirdPlan(rid, context.peers(), split.announced(), split.allowed());
    }

    @Override
    public synchronized ApplyResult apply(AgentPlan plan) throws IOException {
        BgpSplit.Result split = context.split(plan);
        if (!leftoversReleased) {
            releaseLeftovers(split.bound());
            leftoversReleased = true;
        }
        if (supervisor == null && split.bound().isEmpty() && context.peers().isEmpty()) {
            return ApplyResult.UNCHANGED; // BGP unused here: no BIRD, nothing to check
        }
        BirdPlan next;
        try {
            next = birdPlan(plan, context, spec.routerId());
        } catch (InvalidInputException e) {
            metrics.configs.labelValues("rejected").inc();
            return ApplyResult.rejected(e.getMessage());
        }
        bind(split.bound());
        ApplyResult r = apply(BirdConfig.render(next));
        if (!r.rejected()) {
            peers = next.peers();
            announced = next.vips();
            metrics.vipsAnnounced.set(announced.size());
            metrics.vipAnnounced.clear();
            announced.forEach(v -> metrics.vipAnnounced.labelValues(v.address().toString()).set(1));
            held = split.bound();
            unbindAllBut(Set.copyOf(split.bound())); // after the withdrawal: nothing still announced loses its address
        }
        return r;
    }

    synchronized ApplyResult apply(String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        Digest digest = Digest.of(bytes);
        if (digest.equals(running)) {
            return ApplyResult.UNCHANGED;
        }
        Files.createDirectories(spec.runDir());
        Path tmp = AtomicFile.staging(config);
        Files.write(tmp, bytes);
        Exec.Result check = host.run(CHECK_TIMEOUT, spec.birdBin(), "-p", "-c", tmp.toString());
        if (!check.ok()) {
            Files.deleteIfExists(tmp);
            metrics.configs.labelValues("rejected").inc();
            return ApplyResult.rejected("bird -p: " + check.oneLine());
        }
        byte[] previous = Files.exists(config) ? Files.readAllBytes(config) : null;
        AtomicFile.replace(config, tmp);
        if (supervisor == null) {
            start();
            running = digest;
            metrics.configs.labelValues("ok").inc();
            return ApplyResult.STARTED;
        }
        List<BirdReplies.Line> reply;
        try {
            awaitSocket();
            reply = control.call("configure");
        } catch (IOException e) {
            // BIRD is (re)starting: it reads the file just moved into place when it comes up
            LOG.info("BIRD's control socket did not answer ({}); it reads the new configuration when it starts", e.getMessage());
            running = digest;
            metrics.configs.labelValues("ok").inc();
            return ApplyResult.APPLIED;
        }
        if (BirdReplies.failed(reply)) {
            if (previous != null) {
                AtomicFile.write(config, previous);
            }
            metrics.configs.labelValues("rejected").inc();
            return ApplyResult.rejected("bird configure: " + BirdReplies.errors(reply));
        }
        running = digest;
        metrics.configs.labelValues("ok").inc();
        return ApplyResult.APPLIED;
    }

    private void start() {
        Path pid = spec.runDir().resolve("bird.pid");
        supervisor = new Supervisor("bird", host.command(spec.birdBin(), "-f", "-c", config.toString(), "-s",
                control.socket().toString(), "-P", pid.toString()), () -> {
                    try {
                        Files.deleteIfExists(control.socket());
                    } catch (IOException e) {
                        LOG.warn("cannot remove BIRD's old control socket: {}", e.getMessage());
                    }
                });
        supervisor.start();
        lastEstablishedOrStart = System.nanoTime();
        poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bird-poller");
            t.setDaemon(true);
            return t;
        });
        poller.scheduleWithFixedDelay(this::poll, 1, 1, TimeUnit.SECONDS);
    }

    private void awaitSocket() throws IOException {
        long deadline = System.nanoTime() + SOCKET_WAIT.toNanos();
        while (!Files.exists(control.socket())) {
            if (System.nanoTime() > deadline) {
                throw new IOException("no control socket " + control.socket());
            }
            Sleep.millis(20);
        }
    }

    /** Reads sessions and BFD from the control socket: metrics, and the listener on a change. */
    void poll() {
        try {
            if (!Files.exists(control.socket())) {
                return;
            }
            List<BirdReplies.ProtocolRow> rows = BirdReplies.protocols(control.call("show protocols"));
            List<BirdReplies.BfdSession> bfd = BirdReplies.bfdSessions(control.call("show bfd sessions"));
            Map<String, Long> exported = BirdReplies.exported(control.call("show protocols all"));
            boolean any = false;
            metrics.sessionUp.clear();
            metrics.bfdUp.clear();
            metrics.routesAnnounced.clear();
            for (BgpPeer p : peers) {
                String label = label(p);
                BirdReplies.ProtocolRow row = rows.stream().filter(r -> r.name().equals(p.name())).findFirst().orElse(null);
                boolean up = row != null && row.established();
                any |= up;
                String state = row == null ? "Absent" : row.info().isEmpty() ? row.state() : row.info().split(" ")[0];
                metrics.sessionUp.labelValues(label).set(up ? 1 : 0);
                metrics.routesAnnounced.labelValues(label).set(up ? exported.getOrDefault(p.name(), 0L) : 0);
                if (p.bfd() instanceof Bfd.On) {
                    boolean bfdUp = bfd.stream().anyMatch(s -> s.address().equals(p.address().toString()) && s.up());
                    metrics.bfdUp.labelValues(label).set(bfdUp ? 1 : 0);
                }
                String before = lastState.put(p.name(), state);
                if (!state.equals(before) && (before != null || up)) {
                    listener.changed(p, before == null ? "Idle" : before, state, up);
                }
            }
            anyEstablished = any;
            if (any) {
                lastEstablishedOrStart = System.nanoTime();
            }
            lastPollError = null;
        } catch (IOException | RuntimeException e) {
            anyEstablished = false;
            if (!String.valueOf(e.getMessage()).equals(lastPollError)) {
                LOG.warn("cannot read BIRD's state: {}", e.getMessage());
            }
            lastPollError = String.valueOf(e.getMessage());
        }
    }

    static String label(BgpPeer p) {
        return p.address() + (p.port() == BgpPeer.DEFAULT_PORT ? "" : ":" + p.port());
    }

    /** Empty when healthy. Unhealthy only when this node should announce and cannot: BIRD down, or no session for long. */
    Optional<String> health() {
        if (announced.isEmpty()) {
            return Optional.empty();
        }
        if (supervisor == null || !supervisor.alive()) {
            return Optional.of("BIRD is not running and this node should announce " + announced.size() + " VIP(s)");
        }
        if (peers.isEmpty()) {
            return Optional.of("this node should announce " + announced.size() + " VIP(s) but no BGP peer applies to it");
        }
        if (!anyEstablished && System.nanoTime() - lastEstablishedOrStart > NO_SESSION_GRACE.toNanos()) {
            return Optional.of("no BGP session is Established for " + NO_SESSION_GRACE.toSeconds() + " s and this node should announce "
                    + announced.size() + " VIP(s)");
        }
        return Optional.empty();
    }

    List<BgpVip> announced() {
        return announced;
    }

    /** The addresses this node announces now (what {@link VipAnnouncers} records). */
    List<IpAddress> announcedVips() {
        return announced.stream().map(BgpVip::address).toList();
    }

    /** The BGP VIPs this node holds, announced or not. */
    List<IpAddress> held() {
        return held;
    }

    /** The last session state read per peer name (for status output and tests). */
    Map<String, String> sessions() {
        return Map.copyOf(lastState);
    }

    boolean alive() {
        return supervisor != null && supervisor.alive();
    }

    int restarts() {
        return supervisor == null ? 0 : supervisor.restarts();
    }

    Process process() {
        return supervisor == null ? null : supervisor.process();
    }

    BirdControl control() {
        return control;
    }

    /**
     * At the first sync: the BGP VIPs an earlier run bound on lo and this plan does not hold go (an agent killed with
     * BIRD could not unbind them: a deleted Service's address stayed, answered locally on this node).
     */
    private void releaseLeftovers(List<IpAddress> keep) {
        Set<IpAddress> left = boundFile.read();
        left.removeAll(keep);
        if (left.isEmpty()) {
            return;
        }
        loopback.list().ifPresent(on -> on.stream().filter(left::contains).forEach(v -> {
            LOG.info("removing BGP VIP {} left on lo by an earlier run", v);
            loopback.remove(v);
        }));
        boundFile.write(bound);
    }

    private void bind(List<IpAddress> vips) {
        if (!bound.containsAll(vips)) {
            Set<IpAddress> all = new TreeSet<>(bound);
            all.addAll(vips);
            boundFile.write(all); // before binding: a kill in between leaves nothing unlisted
        }
        for (IpAddress v : vips) {
            if (bound.contains(v)) {
                continue;
            }
            if (v.isIpv4() && !arpQuiet) {
                // an address on lo is answered for on every interface by default: keep the LAN's ARP for it off this node
                Exec.Result r = host.run(Duration.ofSeconds(5), "sysctl", "-q", "-w", "net.ipv4.conf.all.arp_ignore=1",
                        "net.ipv4.conf.all.arp_announce=2");
                if (!r.ok()) {
                    LOG.warn("cannot set arp_ignore/arp_announce ({}): this node may answer ARP for its BGP VIPs", r.message());
                }
                arpQuiet = true;
            }
            Exec.Result r = host.run(Duration.ofSeconds(5), "ip", "addr", "replace", v + "/" + v.family().bits(), "dev", "lo");
            if (r.ok()) {
                bound.add(v);
            } else {
                LOG.warn("cannot bind BGP VIP {} on lo: {}", v, r.message());
            }
        }
    }

    private void unbindAllBut(Set<IpAddress> keep) {
        boolean removed = false;
        for (IpAddress v : List.copyOf(bound)) {
            if (!keep.contains(v)) {
                loopback.remove(v);
                bound.remove(v);
                removed = true;
            }
        }
        if (removed) {
            boundFile.write(bound);
        }
    }

    /**
     * Graceful stop: withdraw every VIP (the same peers, an empty static set), wait until BIRD exported nothing to
     * any peer (bounded), keep forwarding {@code drain} more so the routers move the traffic, then stop BIRD and
     * unbind the VIPs.
     */
    @Override
    public synchronized void close() {
        if (supervisor != null) {
            try {
                if (!announced.isEmpty() && supervisor.alive()) {
                    IpAddress rid = spec.routerId() != null ? spec.routerId() : context.nodeIpv4();
                    ApplyResult r = apply(BirdConfig.render(new BirdPlan(rid, peers, List.of(), List.of())));
                    LOG.info("withdrawing {} VIP(s) before stopping: {}", announced.size(), r.outcome());
                    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                    while (System.nanoTime() < deadline && exportedTotal() > 0) {
                        Sleep.millis(50);
                    }
                    Sleep.millis(spec.drain().toMillis());
                }
            } catch (IOException | RuntimeException e) {
                LOG.warn("withdrawal before stopping failed: {}", e.getMessage());
            }
            if (poller != null) {
                poller.shutdownNow();
            }
            supervisor.stop(Duration.ofSeconds(5));
            supervisor = null;
        }
        unbindAllBut(Set.of());
        running = null;
        announced = List.of();
        held = List.of();
        metrics.vipAnnounced.clear();
    }

    private long exportedTotal() {
        try {
            return BirdReplies.exported(control.call("show protocols all")).values().stream().mapToLong(Long::longValue).sum();
        } catch (IOException e) {
            return 0;
        }
    }
}
