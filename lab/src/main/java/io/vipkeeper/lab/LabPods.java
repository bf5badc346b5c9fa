package io.vipkeeper.lab;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.vipkeeper.lab.lan.AddressPlan;
import io.vipkeeper.lab.lan.ChildJvm;
import io.vipkeeper.lab.lan.CpuList;
import io.vipkeeper.lab.lan.LabPaths;
import io.vipkeeper.lab.lan.Lan;
import io.vipkeeper.platform.process.Supervisor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lab's pods, and the stand-in for what a cluster runs around them (no kubelet, no endpoints controller here):
 * each pod is a backend process in its own namespace, and a sync thread keeps the Pod objects and one EndpointSlice
 * per Service with a selector in line with those processes. A pod is ready while its backend answers TCP and nobody
 * marked it not ready. Pods live in namespace default; only the selector {@code app=NAME} is understood.
 */
final class LabPods implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LabPods.class);
    private static final String MANAGED_BY = "lab.vipkeeper.io";
    private static final String NAMESPACE = "default";
    private static final Duration SYNC_EVERY = Duration.ofMillis(200);

    /** A pod: a namespace with a backend process, standing for a Pod object. */
    private static final class PodSlot {
        final String name;
        final String app;
        final int slot;
        final int node;
        final Supervisor backend;
        volatile boolean markedNotReady;
        volatile boolean ready;

        PodSlot(String name, String app, int slot, int node, Supervisor backend) {
            this.name = name;
            this.app = app;
            this.slot = slot;
            this.node = node;
            this.backend = backend;
        }
    }

    private final Lan lan;
    private final Supplier<AddressPlan> plan;
    private final LabPaths paths;
    private final KubernetesClient client;
    private final CpuList cpus;
    private final Map<String, PodSlot> pods = new ConcurrentHashMap<>();
    private final Map<String, String> writtenPods = new HashMap<>();
    private final Map<String, String> writtenSlices = new HashMap<>();
    private Thread syncer;
    private volatile boolean running;

    /** {@code plan}: the lab's current plan (a node may join while pods run); {@code cpus}: where the backends run (none: anywhere). */
    LabPods(Lan lan, Supplier<AddressPlan> plan, LabPaths paths, KubernetesClient client, CpuList cpus) {
        this.lan = lan;
        this.plan = plan;
        this.paths = paths;
        this.client = client;
        this.cpus = cpus;
    }

    /** Starts keeping the Pods and EndpointSlices in line, every 200 ms until {@link #close()}. */
    synchronized void startSync() {
        running = true;
        syncer = new Thread(this::syncLoop, "lab-sync");
        syncer.setDaemon(true);
        syncer.start();
    }

    /** Runs {@code n} pods of {@code app} (named APP-1 … APP-n, label app=APP): starts missing ones, removes the rest. */
    synchronized void scale(String app, int n) {
        for (int k = 1; k <= n; k++) {
            String name = app + "-" + k;
            if (!pods.containsKey(name)) {
                addPod(name, app);
            }
        }
        for (PodSlot p : List.copyOf(pods.values())) {
            if (p.app.equals(app) && Integer.parseInt(p.name.substring(app.length() + 1)) > n) {
                removePod(p);
            }
        }
    }

    private void addPod(String name, String app) {
        int slot = 1;
        while (slotUsed(slot)) {
            slot++;
        }
        lan.addPod(name, slot);
        String ns = Lan.podNs(name);
        Supervisor backend = new Supervisor(ns, ChildJvm.command(ns, cpus, paths.log(ns), List.of(), "32m", "backend",
                List.of("--name", name, "--port", Integer.toString(AddressPlan.BACKEND_PORT),
                "--echo-port", Integer.toString(AddressPlan.ECHO_PORT))), () -> { });
        int node = (slot - 1) % plan.get().nodes() + 1;
        lan.routePodThroughNode(name, node);
        pods.put(name, new PodSlot(name, app, slot, node, backend));
        backend.start();
    }

    private boolean slotUsed(int slot) {
        return pods.values().stream().anyMatch(p -> p.slot == slot);
    }

    private void removePod(PodSlot p) {
        pods.remove(p.name);
        p.backend.stop(Duration.ofSeconds(3));
        Lan.removePod(p.name, p.slot);
    }

    /** Marks a pod not ready (its endpoint goes {@code ready: false}) or lets its readiness follow its process again. */
    void markNotReady(String pod, boolean notReady) {
        PodSlot p = pods.get(pod);
        if (p == null) {
            throw new IllegalArgumentException("no pod " + pod);
        }
        p.markedNotReady = notReady;
    }

    /** The ready pods, by name. */
    List<String> readyPods() {
        return pods.values().stream().filter(p -> p.ready).map(p -> p.name).sorted().toList();
    }

    private void syncLoop() {
        while (running) {
            try {
                syncOnce();
            } catch (KubernetesClientException e) {
                LOG.debug("API not reachable; trying again: {}", e.getMessage());
            } catch (RuntimeException e) {
                LOG.warn("lab sync failed; trying again", e);
            }
            try {
                Thread.sleep(SYNC_EVERY.toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static boolean answers(String ip, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(ip, port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** One round: readiness from the processes, then Pods, then EndpointSlices, writing only what changed. */
    private synchronized void syncOnce() {
        AddressPlan now = plan.get();
        for (PodSlot p : pods.values()) {
            p.ready = !p.markedNotReady && p.backend.alive() && answers(now.podIp(p.slot), AddressPlan.BACKEND_PORT);
        }
        syncPods(now);
        syncSlices(now);
    }

    private void syncPods(AddressPlan now) {
        Map<String, String> desired = new TreeMap<>();
        for (PodSlot p : pods.values()) {
            desired.put(p.name, p.app + "|" + p.ready);
        }
        for (PodSlot p : pods.values()) {
            String want = desired.get(p.name);
            if (!want.equals(writtenPods.get(p.name))) {
                client.pods().inNamespace(NAMESPACE).resource(pod(p, now)).createOr(op -> op.update());
                client.pods().inNamespace(NAMESPACE).resource(pod(p, now)).updateStatus();
                writtenPods.put(p.name, want);
            }
        }
        for (String gone : List.copyOf(writtenPods.keySet())) {
            if (!desired.containsKey(gone)) {
                client.pods().inNamespace(NAMESPACE).withName(gone).delete();
                writtenPods.remove(gone);
            }
        }
    }

    /** One EndpointSlice per Service with a selector, from the pods it selects. */
    private void syncSlices(AddressPlan now) {
        Map<String, EndpointSlice> desired = new TreeMap<>();
        for (Service s : client.services().inAnyNamespace().list().getItems()) {
            Map<String, String> selector = s.getSpec() == null ? null : s.getSpec().getSelector();
            if (selector == null || selector.isEmpty()) {
                continue;
            }
            EndpointSlice slice = slice(s, selector, now);
            desired.put(slice.getMetadata().getNamespace() + "/" + slice.getMetadata().getName(), slice);
        }
        for (Map.Entry<String, EndpointSlice> e : desired.entrySet()) {
            String text = e.getValue().getEndpoints().toString() + e.getValue().getPorts();
            if (!text.equals(writtenSlices.get(e.getKey()))) {
                client.resource(e.getValue()).createOr(op -> op.update());
                writtenSlices.put(e.getKey(), text);
            }
        }
        for (String gone : List.copyOf(writtenSlices.keySet())) {
            if (!desired.containsKey(gone)) {
                String[] ns = gone.split("/");
                client.discovery().v1().endpointSlices().inNamespace(ns[0]).withName(ns[1]).delete();
                writtenSlices.remove(gone);
            }
        }
    }

    private static Pod pod(PodSlot p, AddressPlan plan) {
        String status = p.ready ? "True" : "False";
        return new PodBuilder().withNewMetadata().withNamespace(NAMESPACE).withName(p.name).addToLabels("app", p.app)
                .addToLabels("app.kubernetes.io/managed-by", MANAGED_BY).endMetadata()
                .withNewSpec().withNodeName(AddressPlan.nodeNs(p.node)).addNewContainer().withName("backend").withImage("vipkeeper-lab-backend")
                .addNewPort().withName("http").withContainerPort(AddressPlan.BACKEND_PORT).endPort().endContainer().endSpec()
                .withNewStatus().withPhase("Running").withPodIP(plan.podIp(p.slot)).addNewPodIP().withIp(plan.podIp(p.slot)).endPodIP()
                .addNewCondition().withType("Ready").withStatus(status).endCondition().endStatus().build();
    }

    private EndpointSlice slice(Service s, Map<String, String> selector, AddressPlan plan) {
        String ns = s.getMetadata().getNamespace();
        List<EndpointPort> ports = new ArrayList<>();
        for (ServicePort sp : s.getSpec().getPorts()) {
            Integer target = sp.getTargetPort() != null && sp.getTargetPort().getIntVal() != null ? sp.getTargetPort().getIntVal()
                    : (sp.getTargetPort() == null ? sp.getPort() : AddressPlan.BACKEND_PORT); // a named targetPort: the backend's "http"
            ports.add(new EndpointPortBuilder().withName(sp.getName()).withProtocol(sp.getProtocol() == null ? "TCP" : sp.getProtocol())
                    .withPort(target).build());
        }
        EndpointSliceBuilder b = new EndpointSliceBuilder().withNewMetadata().withNamespace(ns).withName(s.getMetadata().getName() + "-lab")
                .addToLabels("kubernetes.io/service-name", s.getMetadata().getName())
                .addToLabels("endpointslice.kubernetes.io/managed-by", MANAGED_BY).endMetadata()
                .withAddressType("IPv4").withPorts(ports);
        pods.values().stream().filter(p -> NAMESPACE.equals(ns) && selector.entrySet().stream()
                        .allMatch(e -> e.getKey().equals("app") && e.getValue().equals(p.app)))
                .sorted(Comparator.comparing(p -> p.name))
                .forEach(p -> b.addToEndpoints(new EndpointBuilder().withAddresses(plan.podIp(p.slot)).withNodeName(AddressPlan.nodeNs(p.node))
                        .withNewConditions().withReady(p.ready).withServing(p.ready).withTerminating(false).endConditions()
                        .withNewTargetRef().withKind("Pod").withNamespace(NAMESPACE).withName(p.name).endTargetRef().build()));
        return b.build();
    }

    /** Stops syncing and the backends (in parallel: each may take a few seconds); the namespaces go with the LAN. */
    @Override
    public void close() {
        running = false;
        Thread s;
        synchronized (this) {
            s = syncer;
        }
        if (s != null) {
            s.interrupt();
        }
        List<Thread> stops = new ArrayList<>();
        for (PodSlot p : pods.values()) {
            stops.add(new Thread(() -> p.backend.stop(Duration.ofSeconds(3))));
        }
        stops.forEach(Thread::start);
        for (Thread t : stops) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        pods.clear();
    }
}
