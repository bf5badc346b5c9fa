package io.vipkeeper.agent;

import io.vipkeeper.platform.process.Exec;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves conntrackd from real-time scheduling to the normal policy. conntrackd sets SCHED_RR itself when it starts
 * (Debian's 1.4.7 at priority 99 without a {@code Scheduler} clause, and the clause knows only RR and FIFO): a
 * real-time daemon that dumps or injects the whole table (~10,000 flows, hundreds of ms) takes the core from every
 * normal process, the node's pods included. In the lab's planned handovers every connection then stalled for that
 * long (median 230 ms, max 335 ms over 8 rounds); at SCHED_OTHER, sharing the CPU, most rounds had no stall of
 * 50 ms (docs/benchmarks.md). keepalived's VRRP process stays real-time ({@link VrrpScheduler}) and above it.
 * conntrackd sets its policy once, after start: the agent checks again each second (a restarted daemon is RR again).
 */
final class ConntrackdScheduling {

    private static final Logger LOG = LoggerFactory.getLogger(ConntrackdScheduling.class);
    private static final int SCHED_FIFO = 1;
    private static final int SCHED_RR = 2;

    private final HostCommands host;
    private final Path proc;
    /** The pid chrt last failed for: not tried again (nor warned about) until conntrackd's pid changes. */
    private long failedPid = -1;

    ConntrackdScheduling(HostCommands host, Path proc) {
        this.host = host;
        this.proc = proc;
    }

    /** Puts process {@code pid} at SCHED_OTHER when it runs real-time; true when it runs SCHED_OTHER afterwards. */
    boolean normal(long pid) {
        int policy = policy(pid);
        if (policy != SCHED_RR && policy != SCHED_FIFO) {
            return policy >= 0;
        }
        if (pid == failedPid) {
            return false;
        }
        Exec.Result chrt = host.run(Duration.ofSeconds(5), "chrt", "--other", "-p", "0", Long.toString(pid));
        if (!chrt.ok()) {
            failedPid = pid;
            LOG.warn("conntrackd (pid {}) stays real-time: chrt --other failed ({}); its bulk sends and resyncs then take a core "
                    + "from the node's pods for as long as they last", pid, chrt.message());
            return false;
        }
        LOG.info("conntrackd (pid {}) runs at normal priority now (it set itself real-time): bulk sends and resyncs share the CPU", pid);
        return policy(pid) == 0;
    }

    /** The scheduling policy of a process (0 = SCHED_OTHER), or -1 when it is gone or its stat is unreadable. */
    private int policy(long pid) {
        return VrrpScheduler.policy(proc, pid).map(p -> p[0]).orElse(-1);
    }
}
