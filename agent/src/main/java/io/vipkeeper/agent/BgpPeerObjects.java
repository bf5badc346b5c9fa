package io.vipkeeper.agent;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.bgp.BgpPeer;
import io.vipkeeper.core.bgp.BgpPeerCodec;
import io.vipkeeper.platform.EventRecorder;
import io.vipkeeper.platform.Informers;
import io.vipkeeper.platform.TranslatingStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The BgpPeer objects (vipkeeper.io/v1alpha1, cluster-scoped), kept as typed peers by an informer that is not
 * needed for the agent to work: without the CRD its list fails and retries, and the flags' peers are used alone.
 * A BgpPeer that does not parse is never rendered: this agent reports it once per change with a Warning Event on
 * the object and sets its {@code Valid} condition (every agent computes the same condition; it is written only
 * when it differs from the object's).
 */
final class BgpPeerObjects implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BgpPeerObjects.class);
    static final ResourceDefinitionContext CONTEXT = new ResourceDefinitionContext.Builder().withGroup("vipkeeper.io")
            .withVersion("v1alpha1").withKind("BgpPeer").withPlural("bgppeers").withNamespaced(false).build();

    /** One object: its peer, or why it was refused, and the Valid condition it carries now (status, message). */
    record Peer(String name, String uid, long generation, BgpPeer peer, String error, String validStatus, String validMessage) {
    }

    private final KubernetesClient client;
    private final EventRecorder events;
    private final TranslatingStore<GenericKubernetesResource, Peer> store;
    private final Map<String, String> reported = new HashMap<>();
    private SharedIndexInformer<GenericKubernetesResource> informer;

    BgpPeerObjects(KubernetesClient client, EventRecorder events, Runnable onChange) {
        this.client = client;
        this.events = events;
        this.store = new TranslatingStore<>(BgpPeerObjects::translate, GenericKubernetesResource::new, onChange);
    }

    void start() {
        informer = Informers.start(client.genericKubernetesResources(CONTEXT).runnableInformer(0), store, "BgpPeers");
    }

    static Peer translate(GenericKubernetesResource o) {
        String name = o.getMetadata() == null ? null : o.getMetadata().getName();
        String uid = o.getMetadata() == null ? null : o.getMetadata().getUid();
        long generation = o.getMetadata() == null || o.getMetadata().getGeneration() == null ? 0 : o.getMetadata().getGeneration();
        String status = null;
        String message = null;
        Object st = o.getAdditionalProperties().get("status");
        if (st instanceof Map<?, ?> sm && sm.get("conditions") instanceof List<?> conditions) {
            for (Object c : conditions) {
                if (c instanceof Map<?, ?> cm && "Valid".equals(cm.get("type"))) {
                    status = String.valueOf(cm.get("status"));
                    message = String.valueOf(cm.get("message"));
                }
            }
        }
        try {
            return new Peer(name, uid, generation, BgpPeerCodec.fromTree(name, o.getAdditionalProperties().get("spec")), null, status, message);
        } catch (InvalidInputException e) {
            return new Peer(name, uid, generation, null, e.getMessage(), status, message);
        }
    }

    /** The peers of every valid object, by name. */
    List<BgpPeer> peers() {
        return store.snapshot().values().stream().filter(p -> p.peer() != null)
                .sorted((a, b) -> String.valueOf(a.name()).compareTo(String.valueOf(b.name()))).map(Peer::peer).toList();
    }

    /** Events and conditions for what changed since the last call (on the sync thread). */
    void report() {
        Map<String, String> now = new LinkedHashMap<>();
        for (Peer p : store.snapshot().values()) {
            if (p.name() == null) {
                continue;
            }
            String error = p.error() == null ? "" : p.error();
            now.put(p.name(), error);
            if (!error.equals(reported.get(p.name())) && p.peer() == null) {
                LOG.warn("BgpPeer refused: {}", p.error());
                events.warning(reference(p), "InvalidBgpPeer", p.error() + "; the peer is not used");
            }
            String wantStatus = p.peer() != null ? "True" : "False";
            String wantMessage = p.peer() != null ? "the peer is used" : p.error();
            if (!wantStatus.equals(p.validStatus()) || !Objects.equals(wantMessage, p.validMessage())) {
                writeCondition(p, wantStatus, wantMessage);
            }
        }
        reported.clear();
        reported.putAll(now);
    }

    private void writeCondition(Peer p, String status, String message) {
        try {
            GenericKubernetesResource current = client.genericKubernetesResources(CONTEXT).withName(p.name()).get();
            if (current == null) {
                return;
            }
            Map<String, Object> condition = new LinkedHashMap<>();
            condition.put("type", "Valid");
            condition.put("status", status);
            condition.put("reason", "True".equals(status) ? "Valid" : "InvalidSpec");
            condition.put("message", message.length() > 1000 ? message.substring(0, 1000) : message);
            condition.put("lastTransitionTime", Instant.now().toString().replaceAll("\\.[0-9]+Z$", "Z"));
            condition.put("observedGeneration", p.generation());
            Map<String, Object> st = new LinkedHashMap<>();
            st.put("conditions", new ArrayList<>(List.of(condition)));
            current.getAdditionalProperties().put("status", st);
            client.genericKubernetesResources(CONTEXT).resource(current).updateStatus();
        } catch (KubernetesClientException e) {
            // another agent wrote it first (409), or the API is away: the next sync compares again
            LOG.debug("BgpPeer {} condition not written: {}", p.name(), e.getMessage());
        }
    }

    private static GenericKubernetesResource reference(Peer p) {
        return new GenericKubernetesResourceBuilder().withApiVersion("vipkeeper.io/v1alpha1").withKind("BgpPeer")
                .withNewMetadata().withName(p.name()).withUid(p.uid()).endMetadata().build();
    }

    @Override
    public void close() {
        if (informer != null) {
            informer.close();
        }
    }
}
