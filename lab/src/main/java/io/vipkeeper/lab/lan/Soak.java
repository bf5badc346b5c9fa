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

/**
 * A false-alarm soak: nothing is cut, optionally both cores are saturated with stress-ng, and every VRRP transition
 * (keepalived's "Entering ... STATE" lines in the agents' logs) and every sample where not exactly one node holds the
 * VIP ({@code ip -n vk-nodeN addr}, one sample of every node per period) is counted. Also the CPU keepalived's VRRP
 * processes used over the soak and whether they ran with real-time scheduling. Bounded: the duration, and stress-ng
 * runs with its own --timeout and is stopped at the end.
 */
public final class Soak {

    public static final String CSV_HEADER = "label,seconds,stress,samples,two_or_more_holders,no_holder,transitions,"
            + "vrrp_cpu_percent_per_node,realtime_nodes,nodes";

    /**
     * @param transitions      keepalived's state lines during the soak ("vk-node1: (vips) Entering MASTER STATE")
     * @param vrrpCpuPercent   per node: CPU of its VRRP process over the soak, in % of one core (-1 when not readable)
     * @param realtimeNodes    nodes whose VRRP process ran SCHED_RR at the end
     */
    public record Result(long seconds, boolean stress, int samples, int twoOrMoreHolders, int noHolder, List<String> transitions,
                         Map<Integer, Double> vrrpCpuPercent, int realtimeNodes) {

        public boolean quiet() {
            return twoOrMoreHolders == 0 && noHolder == 0 && transitions.isEmpty();
        }

        public String csv(String label) {
            return label + "," + seconds + "," + stress + "," + samples + "," + twoOrMoreHolders + "," + noHolder + "," + transitions.size()
                    + "," + String.join(" ", vrrpCpuPercent.values().stream().map(c -> String.format("%.2f", c)).toList()) + ","
                    + realtimeNodes + "," + vrrpCpuPercent.size();
        }
    }

    private Soak() {
    }

    /**
     * Soaks for {@code duration}, sampling the holders of {@code vip} every {@code sampleMs}; with {@code stress},
     * stress-ng loads every core meanwhile.
     */
    public static Result run(AddressPlan plan, LabPaths paths, String vip, Duration duration, long sampleMs, boolean stress)
            throws IOException, InterruptedException {
        List<Integer> nodes = plan.nodeIndexes();
        Map<Integer, Long> logStart = new LinkedHashMap<>();
        Map<Integer, long[]> cpuStart = new LinkedHashMap<>();
        for (int i : nodes) {
            logStart.put(i, size(paths.log(AddressPlan.nodeNs(i))));
            cpuStart.put(i, vrrpCpu(paths, i).orElse(null));
        }
        Process load = null;
        if (stress) {
            long seconds = duration.toSeconds() + 5;
            // --cpu 0: one worker per online CPU, each at 100%; --timeout bounds it even if we die
            load = new ProcessBuilder("stress-ng", "--cpu", "0", "--timeout", seconds + "s", "--quiet")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD)
                    .redirectInput(new File("/dev/null")).start();
        }
        int samples = 0;
        int two = 0;
        int none = 0;
        long t0 = System.nanoTime();
        long end = t0 + duration.toNanos();
        try {
            for (long next = t0; System.nanoTime() < end; next += sampleMs * 1_000_000L) {
                int holders = vipHolders(plan, vip);
                samples++;
                if (holders > 1) {
                    two++;
                } else if (holders == 0) {
                    none++;
                }
                long wait = (next + sampleMs * 1_000_000L - System.nanoTime()) / 1_000_000L;
                if (wait > 0) {
                    Thread.sleep(wait);
                } else {
                    next = System.nanoTime() - sampleMs * 1_000_000L; // behind (a loaded machine): no catch-up burst
                }
            }
        } finally {
            if (load != null) {
                load.destroy();
                load.waitFor();
            }
        }
        long seconds = Math.round((System.nanoTime() - t0) / 1e9);
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
        return new Result(seconds, stress, samples, two, none, transitions, cpu, realtime);
    }

    /** How many nodes hold {@code vip} now. */
    public static int vipHolders(AddressPlan plan, String vip) {
        return (int) plan.nodeIndexes().stream().filter(i -> Lan.addresses(i).contains(vip)).count();
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
