package io.vipkeeper.lab.lan;

import io.vipkeeper.platform.process.Exec;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A false-alarm soak: nothing is cut, optionally every core is saturated with stress-ng ({@link Stress}), and every
 * VRRP transition (keepalived's "Entering ... STATE" lines in the agents' logs) and every sample where not exactly one
 * node holds the VIP ({@code ip addr} in every node's namespace, then a pause of one period, {@link HolderSampler}) is
 * counted. Also the CPU keepalived's VRRP processes used over the soak and whether they ran with real-time
 * scheduling. Bounded: the duration, and stress-ng runs with its own --timeout and is stopped at the end.
 */
public final class Soak {

    public static final String CSV_HEADER = "label,seconds,stress,samples,two_or_more_holders,no_holder,transitions,"
            + "vrrp_cpu_percent_per_node,realtime_nodes,nodes,failed_samples";

    /** Real-time priority of the {@link Stress#REALTIME} hogs: below keepalived's VRRP process (SCHED_RR 20). */
    static final int HOG_PRIORITY = 10;
    /** After the load stops: the agents, starved meanwhile, write keepalived's last lines to their logs. */
    private static final Duration SETTLE = Duration.ofSeconds(3);

    /** The load added during the soak. */
    public enum Stress {
        /** Nothing added. */
        NONE("idle"),
        /** {@code stress-ng --cpu 0}: a worker per core at normal priority (CFS still favours a mostly sleeping keepalived). */
        CPU("stress"),
        /**
         * {@code stress-ng --cpu 0 --sched fifo --sched-prio 10}: a real-time worker per core, below keepalived's
         * SCHED_RR 20; the kernel's RT throttling leaves normal processes ~5 % of each core, so a keepalived without
         * real-time scheduling waits, one with it preempts the hogs.
         */
        REALTIME("stress-rt");

        private final String label;

        Stress(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        List<String> command(long seconds) {
            // --cpu 0: one worker per online CPU, each at 100%; --timeout bounds it even if we die
            List<String> cmd = new ArrayList<>(List.of("stress-ng", "--cpu", "0", "--timeout", seconds + "s", "--quiet"));
            if (this == REALTIME) {
                cmd.addAll(List.of("--sched", "fifo", "--sched-prio", Integer.toString(HOG_PRIORITY)));
            }
            return cmd;
        }
    }

    /**
     * @param transitions      keepalived's state lines during the soak ("vk-node1: (vips) Entering MASTER STATE")
     * @param vrrpCpuPercent   per node: CPU of its VRRP process over the soak, in % of one core (-1 when not readable)
     * @param realtimeNodes    nodes whose VRRP process ran SCHED_RR at the end
     * @param failedSamples    samples where some node's addresses could not be read (counted nowhere else)
     */
    public record Result(long seconds, Stress stress, int samples, int twoOrMoreHolders, int noHolder, List<String> transitions,
                         Map<Integer, Double> vrrpCpuPercent, int realtimeNodes, int failedSamples) {

        public boolean quiet() {
            return twoOrMoreHolders == 0 && noHolder == 0 && transitions.isEmpty();
        }

        public String csv(String label) {
            return label + "," + seconds + "," + (stress != Stress.NONE) + "," + samples + "," + twoOrMoreHolders + "," + noHolder + ","
                    + transitions.size() + "," + String.join(" ", vrrpCpuPercent.values().stream().map(c -> String.format("%.2f", c)).toList())
                    + "," + realtimeNodes + "," + vrrpCpuPercent.size() + "," + failedSamples;
        }
    }

    private Soak() {
    }

    /**
     * Why {@link Stress#REALTIME} must not run here, if it must not: without RT throttling
     * ({@code kernel.sched_rt_runtime_us} -1 or not below the period) its hogs would take every core for good.
     */
    public static Optional<String> realtimeStressRefused() {
        try {
            long runtime = sysctl("sched_rt_runtime_us");
            long period = sysctl("sched_rt_period_us");
            if (runtime < 0 || runtime >= period) {
                return Optional.of("the kernel does not throttle real-time processes (sched_rt_runtime_us " + runtime + " of "
                        + period + "): real-time hogs would take every core");
            }
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.of("cannot read the kernel's real-time throttling (/proc/sys/kernel/sched_rt_runtime_us): " + e.getMessage());
        }
    }

    /** A number from /proc/sys/kernel in one read (sysctl files answer nothing to a read at a later offset). */
    private static long sysctl(String name) throws IOException {
        return Long.parseLong(Files.readAllLines(Path.of("/proc/sys/kernel", name)).get(0).strip());
    }

    /**
     * Soaks for {@code duration}, sampling the holders of {@code vip} every {@code sampleMs}, with {@code stress}
     * loading every core meanwhile.
     */
    public static Result run(AddressPlan plan, LabPaths paths, String vip, Duration duration, long sampleMs, Stress stress)
            throws IOException, InterruptedException {
        List<Integer> nodes = plan.nodeIndexes();
        Map<Integer, Long> logStart = new LinkedHashMap<>();
        Map<Integer, long[]> cpuStart = new LinkedHashMap<>();
        for (int i : nodes) {
            logStart.put(i, size(paths.log(AddressPlan.nodeNs(i))));
            cpuStart.put(i, vrrpCpu(paths, i).orElse(null));
        }
        Process load = null;
        if (stress != Stress.NONE) {
            load = new ProcessBuilder(stress.command(duration.toSeconds() + 5))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD)
                    .redirectInput(new File("/dev/null")).start();
        }
        HolderSampler.Counts counts;
        long t0 = System.nanoTime();
        try {
            // above real-time hogs (which would starve it), below keepalived (which it must not delay)
            counts = HolderSampler.sample(nodes.stream().map(AddressPlan::nodeNs).toList(), vip, duration, sampleMs,
                    stress == Stress.REALTIME ? HOG_PRIORITY + 5 : 0);
        } finally {
            if (load != null) {
                stop(load);
            }
        }
        long seconds = Math.round((System.nanoTime() - t0) / 1e9);
        if (load != null) {
            Thread.sleep(SETTLE.toMillis());
        }
        List<String> transitions = new ArrayList<>();
        Map<Integer, Double> cpu = new LinkedHashMap<>();
        int realtime = 0;
        long ticks = clockTicks();
        for (int i : nodes) {
            for (String line : appended(paths.log(AddressPlan.nodeNs(i)), logStart.get(i))) {
                if (line.contains("Entering ") && line.contains(" STATE")) {
                    transitions.add(AddressPlan.nodeNs(i) + ": " + line.strip());
                }
            }
            long[] a = cpuStart.get(i);
            Optional<long[]> b = vrrpCpu(paths, i);
            cpu.put(i, a != null && b.isPresent() && a[0] == b.get()[0] && seconds > 0
                    ? 100.0 * (b.get()[1] - a[1]) / ticks / seconds : -1);
            if (b.isPresent() && b.get()[2] == 2) {
                realtime++;
            }
        }
        return new Result(seconds, stress, counts.samples(), counts.twoOrMore(), counts.none(), transitions, cpu, realtime, counts.failed());
    }

    /**
     * Stops stress-ng: its workers first (a real-time parent at the workers' priority would not get the CPU to pass
     * the signal on while they run), then the parent; bounded.
     */
    private static void stop(Process load) throws InterruptedException {
        load.descendants().forEach(ProcessHandle::destroy);
        load.destroy();
        if (!load.waitFor(10, TimeUnit.SECONDS)) {
            load.descendants().forEach(ProcessHandle::destroyForcibly);
            load.destroyForcibly();
            load.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Whether node {@code i}'s keepalived VRRP process runs with real-time scheduling (SCHED_RR). */
    public static boolean realtime(LabPaths paths, int i) {
        return vrrpCpu(paths, i).map(v -> v[2] == 2).orElse(false);
    }

    /** {pid, utime + stime in clock ticks, policy} of node {@code i}'s keepalived VRRP process. */
    static Optional<long[]> vrrpCpu(LabPaths paths, int i) {
        try {
            long pid = Long.parseLong(Files.readString(paths.nodeRunDir(i).resolve("vrrp.pid")).strip());
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // fields after comm (which ends at the last ')'): [0] is field 3, so utime (14) is [11], stime [12], policy (41) [38]
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Optional.of(new long[] {pid, Long.parseLong(f[11]) + Long.parseLong(f[12]), Long.parseLong(f[38])});
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static long clockTicks() {
        Exec.Result r = Exec.run(List.of("getconf", "CLK_TCK"), Duration.ofSeconds(5));
        try {
            return r.ok() ? Long.parseLong(r.stdout().strip()) : 100;
        } catch (NumberFormatException e) {
            return 100;
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    private static List<String> appended(Path file, long from) throws IOException {
        if (!Files.exists(file)) {
            return List.of();
        }
        byte[] all = Files.readAllBytes(file);
        int start = (int) Math.min(from, all.length);
        return new String(all, start, all.length - start, StandardCharsets.UTF_8).lines().toList();
    }
}
