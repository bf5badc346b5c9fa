package io.vipkeeper.lab.lan;

import io.vipkeeper.platform.AtomicFile;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Properties;

/** Where the lab keeps its state: everything under one directory, so {@code lab down} can remove it all. */
public record LabPaths(Path root) {

    public static final Path DEFAULT = Path.of("/run/vipkeeper-lab");

    public Path kubeconfig() {
        return root.resolve("kubeconfig");
    }

    public Path logs() {
        return root.resolve("logs");
    }

    public Path log(String name) {
        return logs().resolve(name + ".log");
    }

    /** The pid of the {@code lab run} process that holds the lab. */
    public Path pidFile() {
        return root.resolve("lab.pid");
    }

    /** Written once everything runs; holds the plan (prefix, nodes). */
    public Path planFile() {
        return root.resolve("lab.properties");
    }

    public Path nodeRunDir(int i) {
        return root.resolve("node" + i);
    }

    /** BGP mode: FRR's configs, pid files, vty sockets and log (owned by the user frr, which the daemons run as). */
    public Path routerDir() {
        return root.resolve("router");
    }

    public Path file(String name) {
        return root.resolve(name);
    }

    public void writePlan(AddressPlan plan) throws IOException {
        writePlan(plan, Routing.VRRP);
    }

    /** The plan and how the nodes announce (the lab's other commands read it: status, failover). */
    public void writePlan(AddressPlan plan, Routing routing) throws IOException {
        writePlan(plan, routing, CpuSplit.NONE);
    }

    /** As above, with the CPUs of the nodes and of the client and pods (the client's commands run on the latter). */
    public void writePlan(AddressPlan plan, Routing routing, CpuSplit cpus) throws IOException {
        Properties p = new Properties();
        p.setProperty("announce", routing.text());
        p.setProperty("prefix", plan.prefix());
        p.setProperty("nodes", Integer.toString(plan.nodes()));
        if (cpus.split()) {
            p.setProperty("node-cpus", cpus.nodes().text());
            p.setProperty("workload-cpus", cpus.workloads().text());
        }
        Files.createDirectories(root);
        StringWriter text = new StringWriter();
        p.store(text, "vipkeeper lab");
        AtomicFile.write(planFile(), text.toString());
    }

    /** The plan of the running lab, or null when none was written. */
    public AddressPlan readPlan() {
        Properties p = properties();
        try {
            return p == null ? null : new AddressPlan(p.getProperty("prefix"), Integer.parseInt(p.getProperty("nodes")));
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** How the running lab's nodes announce (VRRP when no lab or an older one is recorded). */
    public Routing readRouting() {
        Properties p = properties();
        try {
            return p == null ? Routing.VRRP : Routing.parse(p.getProperty("announce", "vrrp"));
        } catch (RuntimeException e) {
            return Routing.VRRP;
        }
    }

    /** The running lab's CPU split ({@link CpuSplit#NONE} when it has none, or no lab runs). */
    public CpuSplit readCpuSplit() {
        Properties p = properties();
        if (p == null || p.getProperty("node-cpus") == null) {
            return CpuSplit.NONE;
        }
        try {
            return new CpuSplit(CpuList.parse(p.getProperty("node-cpus")), CpuList.parse(p.getProperty("workload-cpus")));
        } catch (IllegalArgumentException e) {
            return CpuSplit.NONE;
        }
    }

    /** The plan file's properties, or null when there is none or it cannot be read. */
    private Properties properties() {
        if (!Files.exists(planFile())) {
            return null;
        }
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(planFile())) {
            p.load(in);
            return p;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    public void deleteAll() throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var files = Files.walk(root)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }
}
