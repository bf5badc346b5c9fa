package io.vipkeeper.lab;

import io.vipkeeper.lab.lan.CpuSplit;
import io.vipkeeper.lab.lan.LabPaths;
import io.vipkeeper.lab.lan.Routing;
import io.vipkeeper.platform.process.Exec;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What the lab commands check on this machine: root, the system packages, the lab process. */
final class LabHost {

    /** command → Debian package that provides it. */
    static final Map<String, String> PACKAGES = new LinkedHashMap<>();

    static {
        PACKAGES.put("keepalived", "keepalived");
        PACKAGES.put("nft", "nftables");
        PACKAGES.put("ip", "iproute2");
    }

    private LabHost() {
    }

    static boolean isRoot() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("Uid:"))
                    .anyMatch(l -> l.split("\\s+")[1].equals("0"));
        } catch (IOException e) {
            return false;
        }
    }

    static boolean onPath(String command) {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin";
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    /** BGP mode: command → Debian package (BIRD on the nodes, FRR on the router). */
    static final Map<String, String> BGP_PACKAGES = new LinkedHashMap<>();

    static {
        BGP_PACKAGES.put("bird", "bird2");
        BGP_PACKAGES.put("vtysh", "frr");
    }

    static List<String> missingPackages() {
        return missingPackages(Routing.VRRP);
    }

    static List<String> missingPackages(Routing routing) {
        List<String> missing = new ArrayList<>();
        Map<String, String> all = new LinkedHashMap<>(PACKAGES);
        if (routing.bgp()) {
            all.putAll(BGP_PACKAGES);
        }
        all.forEach((cmd, pkg) -> {
            if (!onPath(cmd)) {
                missing.add(pkg);
            }
        });
        return missing;
    }

    static String aptCommand(List<String> packages) {
        return "sudo apt-get update && sudo apt-get install -y " + String.join(" ", packages);
    }

    /** Checks root and packages (installing them when asked); returns an exit code, or 0 to go on. */
    static int preflight(PrintWriter out, PrintWriter err, String command, boolean installDeps) {
        return preflight(out, err, command, installDeps, Routing.VRRP);
    }

    /** As above, with the packages BGP mode needs too when {@code routing} is BGP. */
    static int preflight(PrintWriter out, PrintWriter err, String command, boolean installDeps, Routing routing) {
        if (!isRoot()) {
            err.println("vipkeeper lab " + command + ": needs root (it creates network namespaces and runs keepalived): sudo ./vipkeeper lab "
                    + command);
            return 2;
        }
        List<String> missing = missingPackages(routing);
        if (missing.isEmpty()) {
            return 0;
        }
        if (!installDeps) {
            err.println("vipkeeper lab " + command + ": missing packages: " + String.join(" ", missing) + ". Install them with: "
                    + aptCommand(missing) + "   (or run again with --install-deps)");
            return 2;
        }
        out.println("installing " + String.join(" ", missing) + " (apt-get)");
        out.flush();
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "
                + String.join(" ", missing)));
        Exec.Result r = Exec.run(cmd, Duration.ofMinutes(10));
        if (!r.ok() || !missingPackages(routing).isEmpty()) {
            err.println("vipkeeper lab " + command + ": installing " + missing + " failed: " + r.message());
            return 1;
        }
        return 0;
    }

    /**
     * Moves this process, all its threads, onto the client's CPUs of a lab split with {@code --node-cpus}, so the
     * clients it starts in vk-client (which inherit them) run where a client machine would: off the nodes' CPUs.
     * Nothing when the lab is not split.
     */
    static void onClientCpus(LabPaths paths, PrintWriter err) {
        onClientCpus(paths, err, ProcessHandle.current().pid());
    }

    /** As above, for process {@code pid} (tests move a child of theirs). */
    static void onClientCpus(LabPaths paths, PrintWriter err, long pid) {
        CpuSplit cpus = paths.readCpuSplit();
        if (!cpus.split()) {
            return;
        }
        Exec.Result r = Exec.run(List.of("taskset", "-a", "-p", "-c", cpus.workloads().text(), Long.toString(pid)),
                Duration.ofSeconds(5));
        if (!r.ok()) {
            err.println("warning: cannot run the client on CPUs " + cpus.workloads().text() + " (taskset: " + r.message()
                    + "); it shares the nodes' CPUs");
        }
    }

    /** The pid of the running {@code lab run} process, if any (a stale pid file is ignored). */
    static Optional<ProcessHandle> labProcess(LabPaths paths) {
        try {
            long pid = Long.parseLong(Files.readString(paths.pidFile()).strip());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(h -> {
                try {
                    String cmdline = Files.readString(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' ');
                    return cmdline.contains(LabChildMain.class.getName()) && cmdline.contains(" run");
                } catch (IOException e) {
                    return false;
                }
            });
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }
}
