package io.vipkeeper.lab;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vipkeeper.lab.lan.AddressPlan;
import io.vipkeeper.lab.lan.ChildJvm;
import io.vipkeeper.lab.lan.LabPaths;
import io.vipkeeper.platform.process.Supervisor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Controller replicas with leader election, as a Deployment with two replicas runs them: each a JVM in the network
 * namespace of a node (so a cut link cuts it off the API server too, and {@code lab down} removes it whatever
 * happened), named by POD_NAME {@code vk-controller-R}, restarted when it dies, with the default election timing and
 * /metrics on the node's address. The lab's own controller (in-process, no election) is not started alongside.
 */
final class LabControllers implements AutoCloseable {

    static final int HEALTH_PORT = 10252;
    static final String LEASE_NAMESPACE = "kube-system";

    private final AddressPlan plan;
    private final List<Integer> nodes;
    private final List<Supervisor> replicas = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    /** Replica r (1-based) runs on node {@code nodes.get(r - 1)}. */
    LabControllers(AddressPlan plan, LabPaths paths, List<Integer> nodes) {
        this.plan = plan;
        this.nodes = List.copyOf(nodes);
        for (int r = 1; r <= nodes.size(); r++) {
            int node = nodes.get(r - 1);
            String ns = AddressPlan.nodeNs(node);
            List<String> args = List.of("--kubeconfig", paths.kubeconfig().toString(), "--pool", plan.pool(),
                    "--health-address", plan.nodeIp(node), "--health-port", Integer.toString(HEALTH_PORT));
            replicas.add(new Supervisor(identity(r), ChildJvm.command(ns, paths.log(identity(r)),
                    List.of("POD_NAME=" + identity(r), "POD_NAMESPACE=" + LEASE_NAMESPACE), "128m", "controller", args), () -> { }));
        }
    }

    static String identity(int replica) {
        return "vk-controller-" + replica;
    }

    int count() {
        return replicas.size();
    }

    String node(int replica) {
        return AddressPlan.nodeNs(nodes.get(replica - 1));
    }

    void start() {
        replicas.forEach(Supervisor::start);
    }

    Optional<Process> process(int replica) {
        return Optional.ofNullable(replicas.get(replica - 1).process());
    }

    /** Whether the replica says it leads (its vipkeeper_controller_leader); false when it does not answer. */
    boolean leading(int replica) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + plan.nodeIp(nodes.get(replica - 1)) + ":"
                    + HEALTH_PORT + "/metrics")).timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString());
            return r.body().lines().filter(l -> l.startsWith("vipkeeper_controller_leader ")).anyMatch(l -> l.endsWith(" 1.0") || l.endsWith(" 1"));
        } catch (Exception e) {
            return false;
        }
    }

    /** The replicas that say they lead, by identity. */
    List<String> leaders() {
        List<String> out = new ArrayList<>();
        for (int r = 1; r <= replicas.size(); r++) {
            if (leading(r)) {
                out.add(identity(r));
            }
        }
        return out;
    }

    /** The replica the Lease names as holder, if it is one of ours. */
    Optional<Integer> leaseHolder(KubernetesClient client) {
        Lease l = client.leases().inNamespace(LEASE_NAMESPACE).withName("vipkeeper-controller").get();
        String holder = l == null || l.getSpec() == null ? null : l.getSpec().getHolderIdentity();
        for (int r = 1; r <= replicas.size(); r++) {
            if (identity(r).equals(holder)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    /** Stops every replica (SIGTERM: a leader releases its Lease), in parallel. */
    @Override
    public void close() {
        List<Thread> stops = new ArrayList<>();
        for (Supervisor s : replicas) {
            stops.add(new Thread(() -> s.stop(Duration.ofSeconds(10))));
        }
        stops.forEach(Thread::start);
        for (Thread t : stops) {
            try {
                t.join(15_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
