package io.vipkeeper.lab.lan;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vipkeeper.core.plan.AgentPlan;
import io.vipkeeper.core.plan.Handover;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A planned handover by Node label in the lab (`lab failover --planned label`, the e2e tests): the exclusion label on
 * a node's Node makes its agent hand its VIPs over; taken off, the node is eligible again once its agent wrote 0 into
 * its node track file.
 */
public final class NodeExclusion {

    private NodeExclusion() {
    }

    /** Puts {@link Handover#EXCLUDE_LABEL} on node {@code i}'s Node. */
    public static void exclude(KubernetesClient client, int i) {
        client.nodes().withName(AddressPlan.nodeNs(i)).edit(n -> new NodeBuilder(n).editMetadata()
                .addToLabels(Handover.EXCLUDE_LABEL, "").endMetadata().build());
    }

    /** Takes the label off node {@code i}'s Node and waits, at most {@code limit}, until the node is eligible again. */
    public static void include(KubernetesClient client, LabPaths paths, int i, Duration limit) throws IOException, InterruptedException {
        client.nodes().withName(AddressPlan.nodeNs(i)).edit(n -> new NodeBuilder(n).editMetadata()
                .removeFromLabels(Handover.EXCLUDE_LABEL).endMetadata().build());
        long deadline = System.nanoTime() + limit.toNanos();
        while (!eligible(paths, i)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(AddressPlan.nodeNs(i) + " did not become eligible again within " + limit.toSeconds()
                        + " s of the label's removal");
            }
            Thread.sleep(100);
        }
    }

    /** Whether node {@code i}'s track file says it is eligible (its instances may leave FAULT as BACKUP). */
    public static boolean eligible(LabPaths paths, int i) throws IOException {
        Path track = paths.nodeRunDir(i).resolve(AgentPlan.NODE_TRACK_FILE_NAME);
        return Files.exists(track) && Files.readString(track).equals("0\n");
    }
}
