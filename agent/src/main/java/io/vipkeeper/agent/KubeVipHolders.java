package io.vipkeeper.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.net.IpAddress;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes this node's members of a Service's {@code vipkeeper.io/vip-holders} annotation: read, merge
 * ({@link VipHoldersAnnotation}), then a JSON Patch that first tests the resourceVersion it read, so a concurrent
 * write (another node's VIP of the same Service, the controller's status) is never overwritten: the patch is refused
 * and the merge done again from a fresh read (at most 5 tries). Only metadata is patched: the controller's status
 * writes (full replace of status) are untouched.
 */
final class KubeVipHolders implements VipHolders.Writer, VipAnnouncers.Writer {

    private static final Logger LOG = LoggerFactory.getLogger(KubeVipHolders.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final int TRIES = 5;

    private final KubernetesClient client;

    KubeVipHolders(KubernetesClient client) {
        this.client = client;
    }

    @Override
    public void write(ServiceRef ref, Map<IpAddress, VipHolders.Holder> held, Set<IpAddress> vips) {
        write(ref, now -> VipHoldersAnnotation.merge(now, held, vips), "the holders of " + vips);
    }

    /** This node's membership of the BGP announcers, through the same read, merge, tested patch and retry. */
    @Override
    public void announce(ServiceRef ref, String node, Set<IpAddress> announced, Set<IpAddress> vips) {
        write(ref, now -> VipHoldersAnnotation.mergeAnnouncer(now, node, announced, vips), node + " as announcer of " + announced);
    }

    /** Read, {@code merge}, patch testing the resourceVersion read; again from a fresh read on a conflict. */
    void write(ServiceRef ref, UnaryOperator<String> merge, String what) {
        var resource = client.services().inNamespace(ref.namespace()).withName(ref.name());
        for (int attempt = 1; attempt <= TRIES; attempt++) {
            try {
                Service s = resource.get();
                if (s == null || s.getMetadata() == null) {
                    return;
                }
                Map<String, String> annotations = s.getMetadata().getAnnotations();
                String now = annotations == null ? null : annotations.get(VipHoldersAnnotation.KEY);
                String next = merge.apply(now);
                if (next.equals(now)) {
                    return;
                }
                resource.patch(PatchContext.of(PatchType.JSON), patch(s.getMetadata().getResourceVersion(), annotations, next));
                return;
            } catch (KubernetesClientException e) {
                boolean conflict = e.getCode() == 409 || e.getCode() == 422;
                if (!conflict || attempt == TRIES) {
                    LOG.warn("could not record {} on {}: {}", what, ref, e.getMessage());
                    return;
                }
            }
        }
    }

    /** Tests the resourceVersion read, then sets the one annotation (creating the map when there is none). */
    static String patch(String resourceVersion, Map<String, String> annotations, String value) {
        ArrayNode patch = JSON.createArrayNode();
        if (resourceVersion != null) {
            patch.addObject().put("op", "test").put("path", "/metadata/resourceVersion").put("value", resourceVersion);
        }
        ObjectNode op = patch.addObject().put("op", "add");
        if (annotations == null || annotations.isEmpty()) {
            op.put("path", "/metadata/annotations").putObject("value").put(VipHoldersAnnotation.KEY, value);
        } else {
            op.put("path", "/metadata/annotations/" + VipHoldersAnnotation.KEY.replace("~", "~0").replace("/", "~1")).put("value", value);
        }
        return patch.toString();
    }
}
