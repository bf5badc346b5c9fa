package io.vipkeeper.agent;

import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vipkeeper.core.agent.VrrpRealtime;
import io.vipkeeper.platform.process.Exec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts keepalived's VRRP process into real-time scheduling ({@link VrrpRealtime}: SCHED_RR, reset on fork, and its
 * RLIMIT_RTTIME) with {@code chrt} and {@code prlimit}, and checks every second that it still runs so: a keepalived
 * the agent restarted, or a VRRP process keepalived respawned, starts without it. keepalived's reloads leave it alone
 * (it resets only what it set itself). Without CAP_SYS_NICE chrt fails: one warning per VRRP process, the metric
 * {@code vipkeeper_keepalived_realtime} stays 0, and keepalived runs as a normal process.
 */
final class VrrpScheduler implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(VrrpScheduler.class);
    private static final int SCHED_FIFO = 1;
    private static final int SCHED_RR = 2;

    private final HostCommands host;
    private final Path runDir;
    private final Path proc;
    private final VrrpRealtime realtime;
    private ScheduledExecutorService timer;
    private volatile boolean scheduled;
    /** The VRRP process chrt last failed for: not tried again (nor warned about) until keepalived's pid changes. */
    private long failedPid = -1;

    VrrpScheduler(HostCommands host, Path runDir, Path proc, VrrpRealtime realtime, PrometheusRegistry registry) {
        this.host = host;
        this.runDir = runDir;
        this.proc = proc;
        this.realtime = realtime;
        GaugeWithCallback.builder().name("vipkeeper_keepalived_realtime")
                .help("1 when keepalived's VRRP process runs with real-time scheduling; 0 when it does not (--vrrp-realtime=false, "
                        + "no CAP_SYS_NICE, or keepalived not running)")
                .callback(cb -> cb.call(scheduled ? 1 : 0)).register(registry);
    }

    void start() {
        if (!realtime.scheduled()) {
            LOG.info("keepalived's VRRP process runs without real-time scheduling (--vrrp-realtime=false): under CPU load it may "
                    + "miss adverts and a backup take its VIPs over for nothing");
            return;
        }
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vrrp-scheduler");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::checkQuietly, 200, 1000, TimeUnit.MILLISECONDS);
    }

    /** Whether the VRRP process runs with real-time scheduling now (as last checked). */
    boolean realtime() {
        return scheduled;
    }

    private void checkQuietly() {
        try {
            check();
        } catch (RuntimeException e) {
            LOG.warn("checking the scheduling of keepalived's VRRP process failed: {}", e.toString());
        }
    }

    /** One check: applies the scheduling when the VRRP process runs without it. */
    void check() {
        Optional<Long> pid = vrrpPid();
        if (pid.isEmpty()) {
            scheduled = false;
            return;
        }
        long p = pid.get();
        Optional<int[]> policy = policy(proc, p);
        if (policy.isEmpty()) {
            scheduled = false;
            return;
        }
        if (policy.get()[0] == SCHED_RR || policy.get()[0] == SCHED_FIFO) {
            scheduled = true;
            return;
        }
        scheduled = false;
        if (p == failedPid) {
            return;
        }
        // the limit first: the process must never run real-time without it
        Exec.Result limit = host.run(Duration.ofSeconds(5), "prlimit", "--pid", Long.toString(p),
                "--rttime=" + realtime.rlimitRttimeMicros() + ":" + realtime.rlimitRttimeMicros());
        if (!limit.ok()) {
            failedPid = p;
            LOG.warn("keepalived's VRRP process (pid {}) runs without real-time scheduling: prlimit --rttime failed: {}", p, limit.message());
            return;
        }
        Exec.Result chrt = host.run(Duration.ofSeconds(5), "chrt", "--rr", "--reset-on-fork", "-p", Integer.toString(realtime.priority()),
                Long.toString(p));
        if (!chrt.ok()) {
            failedPid = p;
            LOG.warn("keepalived's VRRP process (pid {}) runs without real-time scheduling: chrt failed ({}); the agent needs "
                    + "CAP_SYS_NICE (the chart grants it). Without it a VRRP process starved of CPU can miss its adverts and a backup "
                    + "take its VIPs over for nothing: keep the advert interval at the default 0.1 s or more on busy nodes", p, chrt.message());
            return;
        }
        scheduled = policy(proc, p).map(x -> x[0] == SCHED_RR).orElse(false);
        if (scheduled) {
            LOG.info("keepalived's VRRP process (pid {}) runs with real-time scheduling (SCHED_RR {}, at most {} us without blocking)",
                    p, realtime.priority(), realtime.rlimitRttimeMicros());
            failedPid = -1;
        }
    }

    /** The VRRP process of our keepalived: the pid in vrrp.pid, if it is a keepalived whose parent is ours. */
    private Optional<Long> vrrpPid() {
        Optional<Long> vrrp = readPid(runDir.resolve("vrrp.pid"));
        Optional<Long> main = readPid(runDir.resolve("keepalived.pid"));
        if (vrrp.isEmpty() || main.isEmpty()) {
            return Optional.empty();
        }
        String[] f = stat(proc, vrrp.get());
        return f != null && f[0].equals("keepalived") && f[2].equals(Long.toString(main.get())) ? vrrp : Optional.empty();
    }

    /** {policy, rt_priority} of process {@code pid} from {@code proc}/PID/stat (policy 0 = SCHED_OTHER), if readable. */
    static Optional<int[]> policy(Path proc, long pid) {
        String[] f = stat(proc, pid);
        if (f == null || f.length < 40) {
            return Optional.empty();
        }
        try {
            return Optional.of(new int[] {Integer.parseInt(f[39]), Integer.parseInt(f[38])});
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** /proc/PID/stat as fields indexed from 0 = comm (without parentheses), or null. */
    private static String[] stat(Path proc, long pid) {
        try {
            return statFields(Files.readString(proc.resolve(Long.toString(pid)).resolve("stat")));
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * /proc/PID/stat as fields: [0] is comm (without parentheses), [n] is the kernel's field n + 2 (proc(5): [2] ppid,
     * [38] rt_priority, [39] policy). comm may hold spaces and parentheses, so it ends at the last ')'. Null if garbled.
     */
    static String[] statFields(String stat) {
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        if (open < 0 || close < open) {
            return null;
        }
        String[] rest = stat.substring(close + 1).trim().split(" ");
        String[] out = new String[rest.length + 1];
        out[0] = stat.substring(open + 1, close);
        System.arraycopy(rest, 0, out, 1, rest.length);
        return out;
    }

    private static Optional<Long> readPid(Path file) {
        try {
            return Optional.of(Long.parseLong(Files.readString(file).strip()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
