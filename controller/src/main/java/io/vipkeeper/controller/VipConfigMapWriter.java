package io.vipkeeper.controller;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.vipkeeper.core.viptable.ConfigMapMerge;
import io.vipkeeper.core.viptable.PoolPlacementCodec;
import io.vipkeeper.core.viptable.VipConfigMapCodec;
import io.vipkeeper.core.viptable.VipTable;
import java.net.HttpURLConnection;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the controller's VIPs into the VIP ConfigMap: creates it when missing, replaces only the keys the
 * controller owns (listed in an annotation), and updates with the resourceVersion it read, re-reading on 409. The
 * pools' placement ({@code vipkeeper.io/pool-placement}, for the agents) rides along, written only when it changes.
 */
final class VipConfigMapWriter {

    private static final Logger LOG = LoggerFactory.getLogger(VipConfigMapWriter.class);

    private final KubernetesClient client;
    private final String namespace;
    private final String name;
    private final BooleanSupplier mayWrite;
    private final ControllerMetrics metrics;

    VipConfigMapWriter(KubernetesClient client, String namespace, String name, BooleanSupplier mayWrite, ControllerMetrics metrics) {
        this.client = client;
        this.namespace = namespace;
        this.name = name;
        this.mayWrite = mayWrite;
        this.metrics = metrics;
    }

    /**
     * The ConfigMap's resourceVersion after the write, and that of the copy the write was made on (null when it was
     * created): when the base is a version the controller had seen, the result holds nothing it has not seen.
     */
    record Written(String resourceVersion, String base) {
    }

    static String version(ConfigMap cm) {
        return cm == null ? null : cm.getMetadata().getResourceVersion();
    }

    /** The keys an annotation value says the controller owns (garbage in the annotation is ignored). */
    static Set<String> owned(ConfigMap cm) {
        String v = cm == null || cm.getMetadata().getAnnotations() == null ? null
                : cm.getMetadata().getAnnotations().get(Annotations.OWNED_ENTRIES);
        if (v == null || v.isEmpty()) {
            return Set.of();
        }
        return Arrays.stream(v.split(",")).filter(k -> VipConfigMapCodec.decodeKey(k) != null).collect(Collectors.toCollection(TreeSet::new));
    }

    /** A takeover happens once per entry (then the entry is ours): during a migration from keepalived-cloud-provider. */
    private void logTakeover(ConfigMapMerge.Takeover t) {
        if (t.methodChanged()) {
            LOG.warn("took over entry {} of ConfigMap {}/{} and changed its forwarding method: '{}' is now '{}' (the Service's"
                    + " k8s.co/keepalived-forward-method annotation decides, else --default-forward-method / KEEPALIVED_DEFAULT_FORWARD_METHOD:"
                    + " set it as the previous controller had it)", t.key(), namespace, name, t.was(), t.now());
        } else {
            LOG.info("took over entry {} = '{}' of ConfigMap {}/{} (it names exactly the Services that hold the address)", t.key(), t.was(),
                    namespace, name);
        }
    }

    /**
     * Makes the ConfigMap say {@code desired}, merged into {@code current}: the informer's copy, so a write costs no
     * read. When the ConfigMap is gone (404) it is created. When that copy was not the latest (409: changed meanwhile,
     * or created meanwhile) it gives up: the informer delivers the newer copy, and that change (or the retry a second later)
     * brings the next write. Returns what it wrote, or null when it gave up.
     */
    Written write(VipTable desired, ConfigMap current) {
        return write(desired, null, current);
    }

    /** The annotation's value the controller wants: null when every pool has the default placement (then it is absent). */
    static String placementOf(ConfigMap cm) {
        return cm == null || cm.getMetadata().getAnnotations() == null ? null : cm.getMetadata().getAnnotations().get(PoolPlacementCodec.ANNOTATION);
    }

    /** The same, with {@code placement} the pool-placement annotation's text (null: none, the annotation is removed). */
    Written write(VipTable desired, String placement, ConfigMap current) {
        if (!mayWrite.getAsBoolean()) {
            return null;
        }
        try {
            if (current == null) {
                Map<String, String> data = VipConfigMapCodec.encode(desired);
                Map<String, String> annotations = new LinkedHashMap<>();
                annotations.put(Annotations.OWNED_ENTRIES, String.join(",", data.keySet()));
                if (placement != null) {
                    annotations.put(PoolPlacementCodec.ANNOTATION, placement);
                }
                ConfigMap created = client.configMaps().inNamespace(namespace).resource(new ConfigMapBuilder()
                        .withNewMetadata().withNamespace(namespace).withName(name).withAnnotations(annotations)
                        .endMetadata().withData(data).build()).create();
                metrics.apiWrites.labelValues("configmap").inc();
                LOG.info("created ConfigMap {}/{} with {} VIPs", namespace, name, data.size());
                return new Written(version(created), null);
            }
            Map<String, String> data = current.getData() == null ? Map.of() : current.getData();
            ConfigMapMerge.Result r = ConfigMapMerge.merge(data, owned(current), desired);
            if (r.data().equals(new HashMap<>(data)) && r.owned().equals(owned(current)) && Objects.equals(placement, placementOf(current))) {
                return new Written(version(current), version(current));
            }
            Map<String, String> annotations = new LinkedHashMap<>(
                    current.getMetadata().getAnnotations() == null ? Map.of() : current.getMetadata().getAnnotations());
            annotations.put(Annotations.OWNED_ENTRIES, String.join(",", r.owned()));
            if (placement != null) {
                annotations.put(PoolPlacementCodec.ANNOTATION, placement);
            } else {
                annotations.remove(PoolPlacementCodec.ANNOTATION);
            }
            ConfigMap next = new ConfigMapBuilder(current).editMetadata().withAnnotations(annotations).endMetadata()
                    .withData(r.data()).build();
            ConfigMap updated = client.configMaps().inNamespace(namespace).resource(next).update();
            metrics.apiWrites.labelValues("configmap").inc();
            r.takenOver().forEach(this::logTakeover);
            return new Written(version(updated), version(current));
        } catch (KubernetesClientException e) {
            if (current != null && e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
                // gone although the informer still has it (deleted meanwhile, or an API server that lost it): create it
                return write(desired, placement, null);
            }
            if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
                LOG.debug("ConfigMap {}/{} changed under us; writing again from the informer's newer copy", namespace, name);
            } else {
                LOG.warn("could not write ConfigMap {}/{}: {}", namespace, name, e.getMessage());
            }
            return null;
        }
    }
}
