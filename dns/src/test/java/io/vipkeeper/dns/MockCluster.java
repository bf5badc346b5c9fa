package io.vipkeeper.dns;

import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** One in-memory API server (fabric8's mock in CRUD mode) on 127.0.0.1, standing for a cluster of the seed. */
final class MockCluster implements AutoCloseable {

    final String name;
    final KubernetesMockServer server;
    final NamespacedKubernetesClient client;

    MockCluster(String name) throws Exception {
        this.name = name;
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init(InetAddress.getByName("127.0.0.1"), 0);
        client = server.createClient();
    }

    String url() {
        return "http://127.0.0.1:" + server.getPort();
    }

    void node(String nodeName, Map<String, String> labels) {
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName(nodeName).withLabels(labels).endMetadata().build()).create();
    }

    /** A LoadBalancer Service with the given ingress (IPs or hostnames; none for pending). */
    void loadBalancer(String ns, String name, Map<String, String> annotations, String... ingress) {
        Service s = new ServiceBuilder().withNewMetadata().withNamespace(ns).withName(name).withAnnotations(annotations).endMetadata()
                .withNewSpec().withType("LoadBalancer").addNewPort().withPort(80).endPort().endSpec().build();
        client.services().inNamespace(ns).resource(s).create();
        setIngress(ns, name, ingress);
    }

    void setIngress(String ns, String name, String... ingress) {
        Service s = client.services().inNamespace(ns).withName(name).get();
        List<LoadBalancerIngress> list = new java.util.ArrayList<>();
        for (String i : ingress) {
            LoadBalancerIngress li = new LoadBalancerIngress();
            if (Character.isDigit(i.charAt(0)) || i.contains(":")) {
                li.setIp(i);
            } else {
                li.setHostname(i);
            }
            list.add(li);
        }
        s.setStatus(new io.fabric8.kubernetes.api.model.ServiceStatusBuilder().withNewLoadBalancer().withIngress(list).endLoadBalancer().build());
        client.services().inNamespace(ns).resource(s).updateStatus();
    }

    /** One EndpointSlice with one endpoint for the Service, ready or not. */
    void endpoints(String ns, String svc, boolean ready) {
        EndpointSlice es = new EndpointSliceBuilder().withNewMetadata().withNamespace(ns).withName(svc + "-abc")
                .withLabels(Map.of("kubernetes.io/service-name", svc)).endMetadata()
                .withAddressType("IPv4")
                .addNewEndpoint().withAddresses("10.244.0.5").withNewConditions().withReady(ready).endConditions().endEndpoint()
                .build();
        client.discovery().v1().endpointSlices().inNamespace(ns).resource(es).createOr(existing -> existing.update());
    }

    static String kubeconfig(List<MockCluster> clusters) {
        StringBuilder sb = new StringBuilder("apiVersion: v1\nkind: Config\nclusters:\n");
        for (MockCluster c : clusters) {
            sb.append("- name: ").append(c.name).append("-cluster\n  cluster:\n    server: ").append(c.url()).append('\n');
        }
        sb.append("users:\n");
        for (MockCluster c : clusters) {
            sb.append("- name: ").append(c.name).append("-admin\n  user:\n    token: test\n");
        }
        sb.append("contexts:\n");
        for (MockCluster c : clusters) {
            sb.append("- name: ").append(c.name).append("\n  context:\n    cluster: ").append(c.name).append("-cluster\n    user: ")
                    .append(c.name).append("-admin\n");
        }
        sb.append("current-context: ").append(clusters.get(0).name).append('\n');
        return sb.toString();
    }

    @Override
    public void close() {
        client.close();
        server.destroy();
    }
}
