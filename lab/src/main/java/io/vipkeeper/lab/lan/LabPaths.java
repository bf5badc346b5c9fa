package io.vipkeeper.lab.lan;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
        Properties p = new Properties();
        p.setProperty("announce", routing.text());
        p.setProperty("prefix", plan.prefix());
        p.setProperty("nodes", Integer.toString(plan.nodes()));
        Files.createDirectories(root);
        Path tmp = root.resolve("lab.properties.new");
        try (var out = Files.newBufferedWriter(tmp)) {
            p.store(out, "vipkeeper lab");
        }
        Files.move(tmp, planFile(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The plan of the running lab, or null when none was written. */
    public AddressPlan readPlan() {
        if (!Files.exists(planFile())) {
            return null;
        }
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(planFile())) {
            p.load(in);
            return new AddressPlan(p.getProperty("prefix"), Integer.parseInt(p.getProperty("nodes")));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** How the running lab's nodes announce (VRRP when no lab or an older one is recorded). */
    public Routing readRouting() {
        if (!Files.exists(planFile())) {
            return Routing.VRRP;
        }
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(planFile())) {
            p.load(in);
            return Routing.parse(p.getProperty("announce", "vrrp"));
        } catch (IOException | RuntimeException e) {
            return Routing.VRRP;
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
