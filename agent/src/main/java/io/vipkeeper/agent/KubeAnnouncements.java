package io.vipkeeper.agent;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.platform.AnnotationPatch;
import io.vipkeeper.platform.EventRecorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes an announcement to the API: the annotation on the Service, so {@code kubectl describe svc} shows it, and an Event. */
final class KubeAnnouncements implements Announcer.Writer {

    private static final Logger LOG = LoggerFactory.getLogger(KubeAnnouncements.class);
    static final String ANNOUNCING_NODE = "vipkeeper.io/announcing-node";

    private final KubernetesClient client;
    private final EventRecorder events;
    private final String nodeName;

    KubeAnnouncements(KubernetesClient client, EventRecorder events, String nodeName) {
        this.client = client;
        this.events = events;
        this.nodeName = nodeName;
    }

    @Override
    public void write(Announcer.Announcement a) {
        ServiceRef ref = a.service();
        try {
            Service s = client.services().inNamespace(ref.namespace()).withName(ref.name()).get();
            if (s == null) {
                return;
            }
            String patch = AnnotationPatch.set(s.getMetadata().getAnnotations(), ANNOUNCING_NODE, nodeName);
            if (patch != null) {
                client.services().inNamespace(ref.namespace()).withName(ref.name()).patch(PatchContext.of(PatchType.JSON), patch);
            }
            events.normal(s, "VIPAnnounced", "node " + nodeName + " holds " + a.vip() + " (VRRP MASTER)");
        } catch (KubernetesClientException e) {
            LOG.warn("could not record the announcing node on {}: {}", ref, e.getMessage());
        }
    }
}
