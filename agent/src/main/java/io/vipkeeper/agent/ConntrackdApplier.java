package io.vipkeeper.agent;

import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.agent.InstanceMode;
import io.vipkeeper.core.plan.AgentPlan;
import io.vipkeeper.core.plan.SyncPlan;
import io.vipkeeper.core.pool.Announce;
import io.vipkeeper.core.render.ConntrackdConfig;
import io.vipkeeper.platform.AtomicFile;
import io.vipkeeper.platform.process.Exec;
import io.vipkeeper.platform.process.Sleep;
import io.vipkeeper.platform.process.Supervisor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * conntrackd, which syncs this node's conntrack table with the other nodes' so that established connections survive
 * a failover (see {@link SyncPlan}, {@link ConntrackdConfig}). Run as the agent's child in the foreground and
 * restarted with backoff like keepalived. conntrackd has no reload and no safe check flag: a changed configuration
 * restarts it, and it counts as refused when the new daemon does not answer on its control socket within a few
 * seconds (the supervisor keeps trying; the previous configuration cannot stay running, as both would need the
 * same port and socket).
 *
 * <p>On VRRP transitions (direct injection, docs/design/conntrack-sync): to MASTER, {@code -f internal}, {@code -R} and
 * {@code -B} make conntrackd's own cache the kernel table (the flows taken over were injected, and injected flows
 * never enter that cache) and send it to the peers; to BACKUP, {@code -n} asks them for theirs (unless the node is
 * BACKUP of nothing by then). A node that is MASTER of nothing after a transition or after conntrackd's start
 * empties its cache ({@code -f internal}): every peer answers a resync request with its cache, and every node, the
 * MASTER too, writes the answers into its kernel table, replacing a live entry of the same connection. (In BGP
 * mode, {@code --announce bgp} or no VRRP instance, every node keeps the cache of the flows it forwards.) A daemon
 * the supervisor started again after it exited is treated the same way: {@link #afterCrash}. Per-vip, where
 * instances preempt, a node back from FAULT asks at once and holds its VIPs back until the answers are written
 * ({@link #catchUp}); and the cache is emptied after each bulk send and when a VIP is given away, as it must never
 * keep the flows of the VIPs other nodes hold ({@link #cachePerVip}); so it answers a peer's resync request only in
 * part, and the whole kernel table follows ({@link #conntrackdSaid}).
 * A former MASTER's cache is a snapshot (injected updates do not reach it), so its answer put old states over the
 * MASTER's new connections (a client port used again, 1–8 new requests failed per planned handover in the lab).
 * Never {@code -c}, {@code -t} or {@code -f} of the external cache: the synced entries are in the kernel table
 * already, and {@code -t} would flush the whole kernel table, the flows of every instance this node is MASTER of
 * included. None of this is on the failover's critical path (the takeover's gratuitous ARP alone moves the traffic
 * onto entries that are there), so the bulk and the resync run on a thread of their own, coalesced, and
 * {@link #AFTER_TRANSITION} later: they are the safety net for what the continuous sync lost, not the failover.
 * conntrackd makes itself real-time; {@link ConntrackdScheduling} puts it back among normal processes.
 */
final class ConntrackdApplier implements Applier {

    private static final Logger LOG = LoggerFactory.getLogger(ConntrackdApplier.class);
    /** The kernel must not pick up a mid-flow packet as a new connection: see the design's verdict, point 2. */
    static final String LOOSE_SYSCTL = "net.netfilter.nf_conntrack_tcp_loose";
    /** The kernel table's size: conntrackd's cache is made as large ({@link ConntrackdConfig#maxFlowsFor}). */
    static final String CONNTRACK_MAX_SYSCTL = "net.netfilter.nf_conntrack_max";
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration ANSWER_WAIT = Duration.ofSeconds(5);
    /** How long a starting node waits for the peers' flows before keepalived may make it MASTER: {@link #awaitPeersTable}. */
    static final Duration RESYNC_WAIT = Duration.ofSeconds(3);
    private static final Duration RESYNC_ASK_EVERY = Duration.ofMillis(500);
    private static final Duration RESYNC_QUIET = Duration.ofMillis(200);
    /**
     * How long a per-vip node returning from a fault holds its VIPs back at most while the peers' flows are injected
     * ({@link #catchUp}); then it takes them back as without sync.
     */
    static final Duration CATCH_UP_WAIT = Duration.ofSeconds(20);
    /**
     * Writes of peers' flows may go on at this many per {@link #CATCH_UP_QUIET} once caught up: the live sync's (in the
     * lab's chaos runs ~500 a second; answers to a resync request were written at 10,000-20,000 a second).
     */
    static final long CATCH_UP_QUIET_FLOWS = 600;
    static final Duration CATCH_UP_QUIET = Duration.ofMillis(300);
    /** Peers answer a resync request in milliseconds; this long after it, a quiet inject means nothing more comes. */
    static final Duration CATCH_UP_MIN = Duration.ofMillis(500);
    /**
     * How long after a VRRP transition its {@code -B} or {@code -n} runs: each moves the whole table (every flow of
     * the last minutes, ~10,000 after a few rounds of short connections in the lab) and so costs every node CPU, which
     * should not land on the takeover itself.
     */
    static final Duration AFTER_TRANSITION = Duration.ofSeconds(3);
    /**
     * How long a node handing its VIPs over waits after its bulk send before it steps down: the peers inject the whole
     * table (~10,000 flows in the lab, hundreds of ms of CPU); stepping down at once put that on the takeover.
     */
    static final Duration HANDOVER_SETTLE = Duration.ofSeconds(1);
    /** What conntrackd 1.4 prints (FTFW and NOTRACK) when a peer asks for its flows: {@link #conntrackdSaid}. */
    static final String PEER_ASKED = "resync requested by other node";
    /** A peer asks several times in a row as it starts (every 0.5 s until flows arrive): one table send answers them. */
    static final Duration PEER_ASKED_COALESCE = Duration.ofMillis(200);

    /** Why this node sent its whole table to the peers: {@code vipkeeper_conntrack_sync_table_sends_total{reason}}. */
    enum TableSend {
        /** It became MASTER of an instance. */
        TAKEOVER,
        /** A planned handover: SIGTERM, the exclude label, a cordon. */
        HANDOVER,
        /** Per-vip: a peer asked ({@link #conntrackdSaid}). */
        PEER_REQUEST,
        /** conntrackd started again after it exited, on a MASTER ({@link #afterCrash}). */
        RESTART;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Map<TableSend, AtomicLong> tableSends = new EnumMap<>(TableSend.class);
    private final HostCommands host;
    private final String binary;
    private final String sysctl;
    private final ConntrackdScheduling scheduling;
    private final ScheduledExecutorService transitions = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "conntrackd-transitions");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean bulkPending = new AtomicBoolean();
    private final AtomicBoolean resyncPending = new AtomicBoolean();
    private final AtomicBoolean flushPending = new AtomicBoolean();
    private final AtomicBoolean peerAnswerPending = new AtomicBoolean();
    /**
     * {@link AgentPlan#syncTrackFilePath()} while the plan {@link AgentPlan#movesBackAfterCatchingUp moves VIPs back
     * only once caught up} (per-vip with sync), else null.
     */
    private volatile Path catchUpFile;
    /** A catch-up is queued or running ({@link #catchUp}). */
    private final AtomicBoolean catchingUp = new AtomicBoolean();
    /** Ask once more when the current round ends: the node went down during it, and what it asked for may be lost. */
    private volatile boolean catchUpAgain;
    /** An instance went to FAULT during the catch-up: its return asks again too (not the others of the same return). */
    private volatile boolean faultDuringCatchUp;
    /** {@link #maxFlows()}, once read (0 before). */
    private int maxFlows;
    /** How long a stopping MASTER keeps forwarding after keepalived gave its VIPs away (stragglers, ARP caches). */
    static final Duration DRAIN = Duration.ofSeconds(2);

    private final Set<String> masterOf = ConcurrentHashMap.newKeySet();
    /** The instances this node is BACKUP of: a resync request scheduled on BACKUP is moot once there are none. */
    private final Set<String> backupOf = ConcurrentHashMap.newKeySet();
    /** The instances in FAULT here: back to BACKUP, the node missed what the peers synced meanwhile. */
    private final Set<String> faultOf = ConcurrentHashMap.newKeySet();
    private volatile boolean draining;
    /** Whether this node's cache follows its VRRP mastership (kept only while MASTER): VRRP instances, not BGP. */
    private volatile boolean cacheFollowsMastership;
    /**
     * Per-vip instances ({@link #cacheFollowsMastership} too): the cache holds what the node's kernel reported since it
     * was last emptied, never the flows of the VIPs other nodes hold. A per-vip node is MASTER of some VIPs and BACKUP
     * of others, and its kernel table holds the others' flows too (injected). Kept in the cache (as {@code -R} puts
     * them there, or a daemon's start), they went stale: the deletes their holders send are injected into the kernel
     * table and never reach the cache. When the node's kernel then dropped one of those entries itself (expired
     * entries are dropped lazily, often at the next lookup of the same tuple: when a client uses the port again),
     * conntrackd took it for a local close and sent the delete to the holder, which dropped its live flow of that port
     * (docs/agent.md, "Per-vip: no other node's flows in the cache"). So per-vip the cache is emptied after every bulk
     * send, whenever the node gives a VIP away and when conntrackd starts; the bulk sends carry the rest.
     */
    private volatile boolean cachePerVip;
    private volatile SyncPlan running;
    private Digest applied;
    private volatile Supervisor supervisor;

    /** {@code sysctl}: the tool that sets {@link #LOOSE_SYSCTL} (tests give a fake, to leave the host alone). */
    ConntrackdApplier(HostCommands host, String binary, String sysctl) {
        this(host, binary, sysctl, Path.of("/proc"));
    }

    ConntrackdApplier(HostCommands host, String binary, String sysctl, Path proc) {
        this.host = host;
        this.binary = binary;
        this.sysctl = sysctl;
        this.scheduling = new ConntrackdScheduling(host, proc);
        for (TableSend t : TableSend.values()) {
            tableSends.put(t, new AtomicLong());
        }
        // conntrackd sets its policy once, at start: a daemon the supervisor restarted is real-time again
        transitions.scheduleWithFixedDelay(this::normalPriority, 1, 1, TimeUnit.SECONDS);
    }

    @Override
    public Kind kind() {
        return Kind.CONNTRACKD;
    }

    @Override
    public synchronized ApplyResult apply(AgentPlan plan) throws IOException {
        SyncPlan sync = plan.sync();
        if (sync == null) {
            catchUpFile = null;
            if (supervisor == null) {
                return ApplyResult.UNCHANGED;
            }
            LOG.info("conntrack sync is off now (no peer, or not the nftables data plane): stopping conntrackd");
            stopDaemon();
            return ApplyResult.APPLIED;
        }
        followCatchUpFile(plan);
        // on every plan, not only when conntrackd (re)starts: the instances come with the first Services, and
        // conntrackd's configuration stays the same (an agent started before any VIP kept its daemon's snapshot)
        cacheFollowsMastership = !plan.instances().isEmpty() && plan.settings().announce() != Announce.BGP;
        cachePerVip = cacheFollowsMastership && plan.settings().instanceMode() == InstanceMode.PER_VIP;
        String text = ConntrackdConfig.render(sync, maxFlows());
        Digest digest = Digest.of(text);
        if (digest.equals(applied) && supervisor != null) {
            return ApplyResult.UNCHANGED;
        }
        // per namespace, and there once the ruleset's ct expressions loaded conntrack (the ruleset is applied first)
        Exec.Result loose = host.run(CALL_TIMEOUT, sysctl, "-q", "-w", LOOSE_SYSCTL + "=0");
        if (!loose.ok()) {
            return ApplyResult.rejected("sysctl " + LOOSE_SYSCTL + "=0: " + loose.message());
        }
        Path config = Path.of(sync.configFile());
        AtomicFile.write(config, text);
        boolean restart = supervisor != null;
        stopDaemon();
        running = sync;
        applied = digest;
        AtomicBoolean firstStart = new AtomicBoolean(true);
        supervisor = new Supervisor("conntrackd", host.command(binary, "-C", config.toString()), () -> {
            clearStaleLock();
            if (!firstStart.getAndSet(false)) {
                afterCrash();
            }
        }, this::conntrackdSaid);
        supervisor.start();
        if (!awaitAnswer()) {
            return ApplyResult.rejected("conntrackd did not answer on " + sync.controlSocket() + " within "
                    + ANSWER_WAIT.toSeconds() + " s (its output is in the agent's log); it is restarted with backoff");
        }
        normalPriority();
        if (!restart && masterOf.isEmpty()) {
            awaitPeersTable();
            // per-vip: the wait above is short (keepalived waits for it) and flows may still be arriving; keepalived
            // starts with the instances held back until they have (its preempt_delay alone moved VIPs back onto a
            // node whose wait had ended with the peers' flows still arriving, and a new request failed there)
            catchUp("conntrackd started", false);
        }
        if (cacheFollowsMastership) {
            // a started daemon fills its cache from the kernel table: a snapshot, unless this node is MASTER (a
            // configuration change restarts every node's conntrackd, and no VRRP transition follows); per-vip the
            // table holds the other nodes' flows too, so the cache goes either way
            forgetOwnCache(masterOf.isEmpty() ? "MASTER of nothing when conntrackd started"
                    : "per-vip: conntrackd started with a snapshot of the whole kernel table");
        }
        LOG.info("conntrackd {}: {} to {} on {}", restart ? "restarted" : "started", sync.transport(), sync.peers(), sync.iface());
        return restart ? ApplyResult.APPLIED : ApplyResult.STARTED;
    }

    /**
     * A node that starts syncing (a new node, or a restarted agent) and is MASTER of nothing yet: the peers' flows
     * must be in its kernel table before keepalived, applied after this applier, may make it MASTER. conntrackd asks
     * for them at start (StartupResync), but that request is lost when the peers are restarting their own daemon at
     * the same moment (a node joining changes their configuration too). So ask again ({@code -n}) every
     * {@link #RESYNC_ASK_EVERY} until flows arrive and their count holds still for {@link #RESYNC_QUIET}, for
     * {@link #RESYNC_WAIT} at most (peers with no flows send nothing: the wait is that long then).
     */
    private void awaitPeersTable() {
        long start = System.nanoTime();
        long deadline = start + RESYNC_WAIT.toNanos();
        long lastAsk = start;
        long injected = -1;
        long changedAt = start;
        while (System.nanoTime() < deadline) {
            Exec.Result r = ctl(Duration.ofSeconds(2), "-s");
            long now = System.nanoTime();
            long n = r.ok() ? ConntrackdStats.parse(r.stdout()).injected() : 0;
            if (n != injected) {
                injected = n;
                changedAt = now;
            } else if (n > 0 && now - changedAt >= RESYNC_QUIET.toNanos()) {
                LOG.info("conntrackd: {} flows from the peers in the kernel table after {} ms", n, (now - start) / 1_000_000);
                return;
            }
            if (n == 0 && now - lastAsk >= RESYNC_ASK_EVERY.toNanos()) {
                ctl(CALL_TIMEOUT, "-n");
                lastAsk = now;
            }
            Sleep.millis(50);
        }
        LOG.info("conntrackd: {} flows from the peers within {} ms (peers with no flows send none); going on",
                Math.max(injected, 0), RESYNC_WAIT.toMillis());
    }

    /**
     * The catch-up file follows the plan: written {@code 0} when the plan first has it (a {@code 1} a killed agent
     * left in the run directory would hold the node's VIPs back for good), forgotten when it has it no more.
     */
    private void followCatchUpFile(AgentPlan plan) throws IOException {
        if (!plan.movesBackAfterCatchingUp()) {
            catchUpFile = null;
            return;
        }
        Path file = Path.of(plan.syncTrackFilePath());
        if (!file.equals(catchUpFile)) {
            AtomicFile.write(file, "0\n");
            catchUpFile = file;
        }
    }

    /**
     * Per-vip with sync, a node whose instances come back from FAULT (a link back, a handover's end) or start, MASTER
     * of nothing: its first-choice instances take their VIPs back {@code preempt_delay} (5 s) later, by preemption,
     * and the flows the holders opened meanwhile must be in its kernel table by then. It asks the peers for their
     * tables at once (rather than {@link #AFTER_TRANSITION} later, which put their whole-cache answers on the move
     * back: requests failed there in the lab's per-vip chaos runs) and holds its instances below every peer's, through
     * the catch-up file, until their flows are written ({@link #awaitCatchUp}); a node that is MASTER of something
     * asks all the same but holds nothing back, as lowering its instances would give that VIP away too. One catch-up
     * at a time: the other instances coming back with the first are covered by it; a fault during it (and its end)
     * makes it ask again, until one round passes without ({@link #catchUpAgain}).
     *
     * @param ask {@code -n} first; not at conntrackd's start, whose startup resync and {@link #awaitPeersTable} asked
     */
    private void catchUp(String why, boolean ask) {
        Path file = catchUpFile;
        if (file == null) {
            return;
        }
        if (!catchingUp.compareAndSet(false, true)) {
            if (faultDuringCatchUp) {
                catchUpAgain = true; // what the running one asked for may have been lost while the node was down
            }
            return;
        }
        faultDuringCatchUp = false;
        boolean holdBack = masterOf.isEmpty();
        if (holdBack) {
            writeCatchUpFile(file, "1", "holding this node's VIPs back while its conntrack table catches up (" + why + ")");
        }
        try {
            transitions.execute(() -> {
                try {
                    boolean askNow = ask;
                    do {
                        catchUpAgain = false;
                        awaitCatchUp(askNow);
                        askNow = true;
                    } while (catchUpAgain && running != null);
                } finally {
                    catchingUp.set(false);
                    if (holdBack) {
                        writeCatchUpFile(file, "0", null);
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            catchingUp.set(false);
            writeCatchUpFile(file, "0", null); // the agent is stopping
        }
    }

    /**
     * Asks the peers for their tables ({@code -n}, if {@code ask}) and waits until their answers are written: from
     * {@link #CATCH_UP_MIN} after the request, conntrackd wrote at most {@link #CATCH_UP_QUIET_FLOWS} peers' flows
     * (created, updated or deleted: the live sync's) over the last {@link #CATCH_UP_QUIET}; for {@link #CATCH_UP_WAIT}
     * at most (on nodes that open flows faster than that it never looks quiet).
     */
    private void awaitCatchUp(boolean ask) {
        long start = System.nanoTime();
        long first = injectCalls();
        if (ask && !ok(ctl(CALL_TIMEOUT, "-n"), "-n")) {
            return;
        }
        long deadline = start + CATCH_UP_WAIT.toNanos();
        long before = first;
        while (System.nanoTime() < deadline) {
            Sleep.millis(CATCH_UP_QUIET.toMillis());
            long n = injectCalls();
            long now = System.nanoTime();
            if (n >= 0 && before >= 0 && now - start >= CATCH_UP_MIN.toNanos() && n - before <= CATCH_UP_QUIET_FLOWS) {
                LOG.info("conntrackd: caught up with the peers ({} flows written in {} ms); this node may take its VIPs back",
                        first >= 0 ? n - first : n, (now - start) / 1_000_000);
                return;
            }
            before = n;
        }
        LOG.warn("conntrackd: still writing the peers' flows after {} ms; this node may take its VIPs back now",
                CATCH_UP_WAIT.toMillis());
    }

    /** {@link ConntrackdStats#injectCalls()} now, or -1 when conntrackd does not answer. */
    private long injectCalls() {
        Exec.Result r = ctl(Duration.ofSeconds(2), "-s");
        return r.ok() ? ConntrackdStats.parse(r.stdout()).injectCalls() : -1;
    }

    private static void writeCatchUpFile(Path file, String value, String why) {
        try {
            AtomicFile.write(file, value + "\n");
            if (why != null) {
                LOG.info("conntrackd: {}", why);
            }
        } catch (IOException e) {
            LOG.warn("cannot write {} ({}): {}", file, value, e.getMessage());
        }
    }

    private boolean awaitAnswer() {
        long deadline = System.nanoTime() + ANSWER_WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            SyncPlan p = running;
            if (p == null) {
                return false; // sync went off meanwhile
            }
            if (Files.exists(Path.of(p.controlSocket())) && ctl(Duration.ofSeconds(2), "-s").ok()) {
                return true;
            }
            Sleep.millis(50);
        }
        return false;
    }

    /** A crash leaves the lock file, and conntrackd refuses to start while it is there (design, Pitfall 6). */
    private void clearStaleLock() {
        SyncPlan p = running;
        if (p == null) {
            return;
        }
        Path lock = Path.of(p.lockFile());
        if (Files.exists(lock) && !ctl(Duration.ofSeconds(2), "-s").ok()) {
            try {
                Files.deleteIfExists(lock);
                LOG.info("removed conntrackd's stale lock file {}", lock);
            } catch (IOException e) {
                LOG.warn("cannot remove conntrackd's stale lock file {}: {}", lock, e.getMessage());
            }
        }
    }

    /** {@code conntrackd -C CONF ARGS}: a client call over the control socket of the daemon in force. */
    Exec.Result ctl(Duration timeout, String... args) {
        SyncPlan p = running;
        if (p == null) {
            return new Exec.Result(1, "", "conntrack sync is off");
        }
        String[] cmd = new String[args.length + 3];
        cmd[0] = binary;
        cmd[1] = "-C";
        cmd[2] = p.configFile();
        System.arraycopy(args, 0, cmd, 3, args.length);
        return host.run(timeout, cmd);
    }

    @Override
    public void vrrpChanged(String instance, VrrpStates.State state) {
        boolean fromFault = faultOf.contains(instance);
        if (state == VrrpStates.State.FAULT) {
            faultOf.add(instance);
        } else {
            faultOf.remove(instance);
        }
        // kept while sync is off too: a MASTER whose sync starts later (a second node came) waits for no peer's table
        boolean gaveAway = false;
        if (state == VrrpStates.State.MASTER) {
            masterOf.add(instance);
        } else {
            gaveAway = masterOf.remove(instance);
        }
        if (state == VrrpStates.State.BACKUP) {
            backupOf.add(instance);
        } else {
            backupOf.remove(instance);
        }
        if (running == null) {
            return;
        }
        // many instances change at once (per-vip): one call covers them all, as conntrackd's table is per node
        if (state == VrrpStates.State.MASTER) {
            submit(bulkPending, () -> sendOwnTable("became MASTER of " + instance, TableSend.TAKEOVER));
            return;
        }
        // at once (emptied a second later, off the takeover's CPU, the lab's label handovers failed more new requests,
        // sent at that second: docs/benchmarks.md); a stopping agent emptied it in beforeVrrpStop, after its bulk send
        // one flush queued at a time: per-vip, one link going down puts every instance in FAULT, and a conntrackd
        // busy injecting a bulk answered each -f seconds late, so a flush per instance held the thread that sends
        // the table and asks for the peers' (forgetOwnCache checks again when its turn comes)
        // per-vip, also when the node is still MASTER of another instance: the given VIP's flows in the cache went
        // stale there (cachePerVip)
        if ((masterOf.isEmpty() || (cachePerVip && gaveAway)) && !draining && flushPending.compareAndSet(false, true)) {
            transitions.execute(() -> {
                flushPending.set(false);
                forgetOwnCache(state + " of " + instance);
            });
        }
        if (catchUpFile != null) {
            // per-vip: back from a fault, catch up first. From MASTER this node forwarded the flows until now and its
            // conntrackd ran (a request would have every peer send its whole cache just as the VIP moved); a new
            // instance (a new VIP) has no flows yet; keepalived's first states come during the start's own catch-up
            if (state == VrrpStates.State.BACKUP && fromFault) {
                catchUp("back from FAULT: BACKUP of " + instance, true);
            } else if (state == VrrpStates.State.FAULT && catchingUp.get()) {
                faultDuringCatchUp = true;
                catchUpAgain = true;
            }
        } else if (state == VrrpStates.State.BACKUP) {
            submit(resyncPending, () -> {
                if (backupOf.isEmpty()) {
                    // MASTER by now (keepalived starts in BACKUP and is MASTER within a second when no peer holds
                    // the VIP): the peers' answers would be written over the flows this node forwards
                    return;
                }
                if (ok(ctl(CALL_TIMEOUT, "-n"), "-n")) {
                    LOG.info("conntrackd: asked the peers for their table (became BACKUP of {})", instance);
                }
            });
        }
    }

    /**
     * A line of conntrackd's output. Per-vip, conntrackd answers a peer's resync request from its cache, which holds only
     * what the kernel reported since this node's last transition ({@link #cachePerVip}): a connection established
     * before it and unchanged since (an open connection changes no state) is not there. A peer asks when it comes back
     * (its agent started, or an instance back from FAULT); one that came back with an empty kernel table (a reboot) or
     * had missed that transition's bulk send got it from nobody, and the connection broke when that peer took its VIP
     * (back). So, per-vip, a peer's request is also answered with the whole kernel table ({@code -R}, {@code -B}, then
     * the cache emptied again), once per burst of requests, whether this node is MASTER of anything or not.
     */
    void conntrackdSaid(String line) {
        if (!line.endsWith(PEER_ASKED) || !cachePerVip || draining || running == null) {
            return;
        }
        try {
            submit(peerAnswerPending, PEER_ASKED_COALESCE, () -> {
                if (running != null && !draining) {
                    sendTable("a peer asked for it", TableSend.PEER_REQUEST);
                }
            });
        } catch (RejectedExecutionException e) {
            // the agent is stopping
        }
    }

    /**
     * {@code -f internal}, {@code -R}, {@code -B} while this node is MASTER of something: conntrackd's own cache made
     * the kernel table (taken-over flows were injected, and injected flows never enter it) and sent to the peers;
     * per-vip then emptied ({@link #cachePerVip}).
     */
    private void sendOwnTable(String why, TableSend reason) {
        if (masterOf.isEmpty()) {
            return; // MASTER no more by now: its cache stays empty
        }
        sendTable(why, reason);
    }

    /** {@link #rebuildAndSend}; per-vip the cache is emptied after it ({@link #cachePerVip}). */
    private void sendTable(String why, TableSend reason) {
        if (rebuildAndSend(reason)) {
            LOG.info("conntrackd: sent this node's table to the peers ({})", why);
        }
        if (cachePerVip) {
            emptyCache("per-vip: its table is with the peers, and the cache would keep the other nodes' flows");
        }
    }

    /**
     * conntrackd exited and the supervisor started it again: the new daemon filled its cache from the kernel table, a
     * snapshot of the peers' injected flows too, and the flows this node opened while no daemon ran went to no peer.
     * So, once it answers, as after a transition: MASTER of nothing, the cache is emptied at once (else a peer's next
     * resync request is answered with the snapshot, written over live connections); MASTER, its table is rebuilt and
     * sent ({@link #AFTER_TRANSITION} later, coalesced with a takeover's).
     */
    private void afterCrash() {
        try {
            transitions.execute(() -> {
                if (!cacheFollowsMastership || draining || !awaitAnswer()) {
                    return; // BGP keeps its cache; a daemon that does not answer is started again, and this runs then
                }
                normalPriority();
                if (masterOf.isEmpty()) {
                    emptyCache("MASTER of nothing, conntrackd started again after it exited");
                } else {
                    submit(bulkPending, () -> sendOwnTable("conntrackd started again after it exited", TableSend.RESTART));
                }
            });
        } catch (RejectedExecutionException e) {
            // the agent is stopping
        }
    }

    /**
     * {@code -f internal} while this node is MASTER of nothing: no snapshot of its own left to answer resyncs with.
     * Per-vip, whatever it is MASTER of ({@link #cachePerVip}).
     */
    private void forgetOwnCache(String why) {
        if ((masterOf.isEmpty() || cachePerVip) && running != null) {
            emptyCache(why);
        }
    }

    /**
     * How many flows conntrackd's cache may hold: the node's {@code nf_conntrack_max}, read once (in the ruleset's
     * namespace, where conntrack is loaded by the time this applier runs); the default when it cannot be read.
     */
    private int maxFlows() {
        if (maxFlows == 0) {
            Exec.Result r = host.run(CALL_TIMEOUT, sysctl, "-n", CONNTRACK_MAX_SYSCTL);
            long kernel = -1;
            try {
                kernel = r.ok() ? Long.parseLong(r.stdout().strip()) : -1;
            } catch (NumberFormatException e) {
                // reported below
            }
            if (kernel <= 0) {
                LOG.warn("cannot read {} ({}): conntrackd holds at most {} flows", CONNTRACK_MAX_SYSCTL,
                        r.ok() ? "not a positive number: " + InvalidInputException.quote(r.stdout().strip()) : r.message(), ConntrackdConfig.DEFAULT_MAX_FLOWS);
            }
            maxFlows = ConntrackdConfig.maxFlowsFor(kernel);
        }
        return maxFlows;
    }

    /** {@code -f internal}: conntrackd's own cache emptied, the kernel table left as it is. */
    private void emptyCache(String why) {
        if (ok(ctl(CALL_TIMEOUT, "-f", "internal"), "-f internal")) {
            LOG.info("conntrackd: emptied its own cache ({})", why);
        }
    }

    private static boolean ok(Exec.Result r, String what) {
        if (!r.ok()) {
            LOG.warn("conntrackd {} failed: {}", what, r.message());
        }
        return r.ok();
    }

    private void submit(AtomicBoolean pending, Runnable calls) {
        submit(pending, AFTER_TRANSITION, calls);
    }

    /** {@code calls} on the transitions thread {@code delay} from now, unless {@code pending} ones have not run yet. */
    private void submit(AtomicBoolean pending, Duration delay, Runnable calls) {
        if (!pending.compareAndSet(false, true)) {
            return;
        }
        transitions.schedule(() -> {
            pending.set(false);
            calls.run();
        }, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The running daemon at normal priority ({@link ConntrackdScheduling}); runs each second and after each start. */
    private void normalPriority() {
        Supervisor s = supervisor;
        Process p = s == null ? null : s.process();
        try {
            if (p != null && p.isAlive()) {
                scheduling.normal(p.pid());
            }
        } catch (RuntimeException e) {
            LOG.warn("checking conntrackd's scheduling failed: {}", e.toString()); // a periodic task must not end
        }
    }

    /**
     * Planned handover (the agent got SIGTERM): before keepalived stops (its priority-0 advert makes a peer MASTER at
     * once), this node's table is sent to the peers once more, so they hold every flow, and conntrackd's own cache is
     * emptied; {@link #close} then keeps the kernel table and the ruleset (closed after this applier) forwarding for
     * {@link #DRAIN}, for packets that still arrive here until the clients' ARP caches follow the new MASTER's
     * gratuitous ARP.
     */
    @Override
    public void beforeVrrpStop() {
        if (running == null || masterOf.isEmpty()) {
            return;
        }
        draining = true;
        boolean sent = bulkSend(TableSend.HANDOVER);
        LOG.info("handing over {}: {}", masterOf, sent ? "this node's table sent to the peers" : "the bulk send failed (above)");
        settle(sent);
        // sent: the cache must not outlive the mastership (as on FAULT). Kept through the stop and the drain, the
        // kernel's DESTROY of an old flow in it (expired, or replaced when a peer's new flow on the same client port
        // was injected) went out to the peers, and they deleted the new MASTER's live flow of that port (the lab's
        // SIGTERM rounds: its next packets dropped as INVALID there, docs/benchmarks.md). The kernel table stays.
        emptyCache("its table is with the peers");
    }

    /**
     * Before the node's instances go to FAULT (a planned handover with the agent running): this node's table goes to
     * the peers first, on this thread, so the one taking over has every flow; the data plane stays and keeps
     * forwarding what still arrives. Also in BGP mode, where no instance is MASTER here but the routers move the flows.
     */
    @Override
    public void beforeHandover() {
        if (running == null) {
            return;
        }
        boolean sent = bulkSend(TableSend.HANDOVER);
        LOG.info("handing this node's VIPs over: {}", sent ? "its table sent to the peers" : "the bulk send failed (above)");
        settle(sent);
        if (cachePerVip) {
            emptyCache("per-vip: its table is with the peers"); // its instances go to FAULT next: MASTER of nothing
        }
    }

    /**
     * {@code -B}: the cache to the peers. Per-vip the cache holds only what the kernel reported since it was last
     * emptied ({@link #cachePerVip}), so it is made the kernel table first.
     */
    private boolean bulkSend(TableSend reason) {
        return cachePerVip ? rebuildAndSend(reason) : counted(reason, ok(ctl(CALL_TIMEOUT, "-B"), "-B"));
    }

    /** {@code -f internal}, {@code -R}, {@code -B}: conntrackd's own cache made the kernel table, then sent to the peers. */
    private boolean rebuildAndSend(TableSend reason) {
        return counted(reason, ok(ctl(CALL_TIMEOUT, "-f", "internal"), "-f internal") && ok(ctl(CALL_TIMEOUT, "-R"), "-R")
                && ok(ctl(CALL_TIMEOUT, "-B"), "-B"));
    }

    private boolean counted(TableSend reason, boolean sent) {
        if (sent) {
            tableSends.get(reason).incrementAndGet();
        }
        return sent;
    }

    /** Whole-table sends for {@code reason} since the agent started. */
    long tableSends(TableSend reason) {
        return tableSends.get(reason).get();
    }

    /** After a bulk send that went out: the peers write it into their kernel tables before they take the traffic over. */
    private static void settle(boolean sent) {
        if (sent) {
            Sleep.millis(HANDOVER_SETTLE.toMillis());
        }
    }

    /** The sync plan in force, or null. */
    SyncPlan running() {
        return running;
    }

    boolean alive() {
        return supervisor != null && supervisor.alive();
    }

    int restarts() {
        return supervisor == null ? 0 : supervisor.restarts();
    }

    /** The running child (for tests that kill it). */
    Process process() {
        return supervisor == null ? null : supervisor.process();
    }

    private void stopDaemon() {
        if (supervisor != null) {
            supervisor.stop(Duration.ofSeconds(5));
            supervisor = null;
        }
        running = null;
        applied = null;
    }

    @Override
    public synchronized void close() {
        if (draining && running != null) {
            LOG.info("forwarding for {} ms more while the new MASTER takes the traffic", DRAIN.toMillis());
            Sleep.millis(DRAIN.toMillis());
        }
        transitions.shutdownNow();
        try {
            transitions.awaitTermination(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stopDaemon();
    }
}
