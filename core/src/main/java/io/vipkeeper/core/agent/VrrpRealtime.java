package io.vipkeeper.core.agent;

import io.vipkeeper.core.InvalidInputException;

/**
 * Keeping keepalived's VRRP process immune to CPU starvation, so a busy node does not miss its own adverts and lose
 * its VIP for nothing: real-time scheduling (SCHED_RR, reset on fork so scripts do not inherit it), a bound on the
 * CPU time it may take without blocking (RLIMIT_RTTIME: a runaway real-time process is killed, and keepalived starts
 * it again, instead of holding a core), and its memory locked ({@code vrrp_no_swap}).
 *
 * <p>{@code vrrp_no_swap} is rendered into keepalived's global_defs. The scheduling is not: keepalived 2.2.7 (Debian
 * 12, the image's) resets RLIMIT_RTTIME to 0 on every reload and then cannot raise it again without CAP_SYS_RESOURCE,
 * and a real-time process with a zero limit is SIGKILLed at once — every reload (a Service change) would restart the
 * VRRP process and move its VIPs. The agent applies both to the VRRP process itself instead (sched_setscheduler and
 * prlimit, which a reload leaves alone) and checks them every second.
 *
 * @param priority           the SCHED_RR priority, 1-99; 0 turns real-time scheduling off
 * @param noSwap             lock the VRRP process in memory ({@code vrrp_no_swap}: needs CAP_IPC_LOCK, else keepalived
 *                           logs "Unable to lock process in memory" and runs unlocked)
 * @param rlimitRttimeMicros RLIMIT_RTTIME of the VRRP process in microseconds (soft = hard: SIGKILL, as keepalived
 *                           installs no SIGXCPU handler for a priority it did not set); 5,000 VIPs start and reload in
 *                           under 0.2 s here
 */
public record VrrpRealtime(int priority, boolean noSwap, int rlimitRttimeMicros) {

    /** On by default: priority 20 is above every normal process and below the kernel's interrupt threads (50). */
    public static final VrrpRealtime DEFAULT = new VrrpRealtime(20, true, 1_000_000);
    /** No real-time scheduling, no memory locking (keepalived's own defaults). */
    public static final VrrpRealtime OFF = new VrrpRealtime(0, false, 1_000_000);

    public VrrpRealtime {
        if (priority < 0 || priority > 99) {
            throw new InvalidInputException("real-time priority " + priority + " is outside 1-99 (0: off)");
        }
        if (rlimitRttimeMicros < 10_000 || rlimitRttimeMicros > 10_000_000) {
            throw new InvalidInputException("real-time CPU limit " + rlimitRttimeMicros + " us is outside 10000-10000000");
        }
    }

    /** Whether the VRRP process should run with real-time scheduling. */
    public boolean scheduled() {
        return priority > 0;
    }
}
