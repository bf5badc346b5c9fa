package io.vipkeeper.lab;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.OperatingSystemMXBean;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServiceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import org.junit.jupiter.api.Test;

/**
 * The lab API alone, as docs/benchmarks.md reports it: N sequential LoadBalancer Service creates through a fabric8
 * client (as {@code vipkeeper lab load-services} makes them), then a full list and a paged list of them. Prints the
 * figures; fails when the server's request handling needs more than 30 s of CPU for 10,000 (wall time depends on
 * what else the shared machine runs, and most of the CPU is the client's). It took 6-8 minutes when every request
 * scanned every object.
 *
 * <pre>mvn -B -q -pl lab -am test -Dtest=LabApiCreateThroughputTest -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dvipkeeper.bench.creates=10000</pre>
 */
class LabApiCreateThroughputTest {

    @Test
    void printsCreateThroughputAndTheServerNeedsLittleCpu() {
        int count = Integer.getInteger("vipkeeper.bench.creates", 10_000);
        try (LabApiServer server = new LabApiServer()) {
            server.start("127.0.0.1", 0);
            KubernetesClient client = server.client();
            OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            long cpuStart = os.getProcessCpuTime();
            double serverCpuStart = serverCpuSeconds();
            long start = System.nanoTime();
            for (int i = 0; i < count; i++) {
                client.services().inNamespace("vk-load").resource(new ServiceBuilder().withNewMetadata().withName("svc-" + i).endMetadata()
                        .withNewSpec().withType("LoadBalancer").withIpFamilies("IPv6").addNewPort().withName("p0").withProtocol("TCP")
                        .withPort(80).withNewTargetPort(8080).endPort().endSpec().build()).create();
            }
            double created = (System.nanoTime() - start) / 1e9;
            double cpu = (os.getProcessCpuTime() - cpuStart) / 1e9;
            double serverCpu = serverCpuSeconds() - serverCpuStart;
            long listStart = System.nanoTime();
            int listed = client.services().inNamespace("vk-load").list().getItems().size();
            double list = (System.nanoTime() - listStart) / 1e9;
            long pagedStart = System.nanoTime();
            int paged = 0;
            String token = null;
            do {
                ServiceList page = client.services().inAnyNamespace().list(new ListOptionsBuilder().withLimit(500L).withContinue(token).build());
                paged += page.getItems().size();
                token = page.getMetadata().getContinue();
            } while (token != null && !token.isEmpty());
            double pagedList = (System.nanoTime() - pagedStart) / 1e9;
            System.out.printf("lab API: %d Service creates in %.2f s = %.0f creates/s (CPU: %.2f s, of which the server's event loop %.2f s);"
                    + " list of all %.2f s; paged (500) list %.2f s; load average %.1f%n",
                    count, created, count / created, cpu, serverCpu, list, pagedList, os.getSystemLoadAverage());
            assertThat(serverCpu).isLessThan(cpu);
            assertThat(listed).isEqualTo(count);
            assertThat(paged).isEqualTo(count);
            // the server's CPU time, not wall time: the figure must not depend on what else the shared machine runs (most
            // of the CPU is the client's); with a scan per request the server alone needed minutes
            assertThat(serverCpu).as("server CPU seconds for %d creates", count).isLessThan(30.0 * count / 10_000);
        }
    }

    /** CPU time of the threads that run the server's request handling (Vert.x event loops). */
    private static double serverCpuSeconds() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("vert.x-eventloop-thread"))
                .mapToLong(t -> threads.getThreadCpuTime(t.getId())).filter(n -> n > 0).sum() / 1e9;
    }
}
