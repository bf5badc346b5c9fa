package io.vipkeeper.lab;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vipkeeper.lab.lan.AddressPlan;
import java.io.PrintWriter;

/**
 * Service default/echo: the hello pods' echo port 9000, TCP and UDP, and their HTTP port 80, for long-lived
 * connections and UDP flows beside new requests ({@code lab failover --connections}, the e2e tests).
 */
public final class EchoService {

    public static final String NAME = "echo";
    static final String UDP_PORT_NAME = "echo-udp";

    private EchoService() {
    }

    public static Service definition() {
        return new ServiceBuilder().withNewMetadata().withName(NAME).withNamespace("default").endMetadata()
                .withNewSpec().withType("LoadBalancer").addToSelector("app", "hello")
                .addNewPort().withName("echo").withProtocol("TCP").withPort(AddressPlan.ECHO_PORT).withNewTargetPort(AddressPlan.ECHO_PORT).endPort()
                .addToPorts(udpPort())
                .addNewPort().withName("http").withProtocol("TCP").withPort(80).withNewTargetPort(AddressPlan.BACKEND_PORT).endPort()
                .endSpec().build();
    }

    private static ServicePort udpPort() {
        return new ServicePortBuilder().withName(UDP_PORT_NAME).withProtocol("UDP").withPort(AddressPlan.ECHO_PORT)
                .withNewTargetPort(AddressPlan.ECHO_PORT).build();
    }

    /** Creates the Service when missing; one an earlier version of the lab made without the UDP port gets it. */
    static void ensure(KubernetesClient client, PrintWriter out) {
        Service s = client.services().inNamespace("default").withName(NAME).get();
        if (s == null) {
            client.services().inNamespace("default").resource(definition()).create();
            out.println("created Service default/" + NAME);
        } else if (s.getSpec().getPorts().stream().noneMatch(p -> "UDP".equals(p.getProtocol()))) {
            client.services().inNamespace("default").withName(NAME).edit(old -> new ServiceBuilder(old).editSpec().addToPorts(udpPort())
                    .endSpec().build());
            out.println("added port " + AddressPlan.ECHO_PORT + "/UDP to Service default/" + NAME);
        }
    }
}
