package io.vipkeeper.controller;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.vipkeeper.core.decide.PoolStatus;
import io.vipkeeper.core.net.IpFamily;
import java.net.HttpURLConnection;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a VipPool's status (the status subresource, a PUT with the resourceVersion of the informer's copy) only when it
 * says something new: counts, conditions, observedGeneration. A condition keeps its lastTransitionTime while its status
 * stays. On a 409 it gives up: the informer delivers the newer copy, and that change brings the next write.
 */
final class VipPoolStatusWriter {

    private static final Logger LOG = LoggerFactory.getLogger(VipPoolStatusWriter.class);
    /** Compares status trees whatever their key order and number types (the informer reads 3 as an int, we write a long). */
    private static final ObjectMapper CANONICAL = JsonMapper.builder().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY).build();

    private final KubernetesClient client;
    private final BooleanSupplier mayWrite;
    private final ControllerMetrics metrics;

    VipPoolStatusWriter(KubernetesClient client, BooleanSupplier mayWrite, ControllerMetrics metrics) {
        this.client = client;
        this.mayWrite = mayWrite;
        this.metrics = metrics;
    }

    /** Writes the status when it changed; true when it wrote. */
    boolean write(GenericKubernetesResource current, PoolStatus s, Instant now) {
        Map<String, Object> desired = desired(current, s, now);
        if (same(desired, current.getAdditionalProperties().get("status")) || !mayWrite.getAsBoolean()) {
            return false;
        }
        GenericKubernetesResource next = new GenericKubernetesResource();
        next.setApiVersion(current.getApiVersion());
        next.setKind(current.getKind());
        next.setMetadata(new ObjectMetaBuilder(current.getMetadata()).build());
        next.setAdditionalProperties(new LinkedHashMap<>(current.getAdditionalProperties()));
        next.setAdditionalProperty("status", desired);
        try {
            client.genericKubernetesResources(VipPoolSource.CONTEXT).resource(next).updateStatus();
            metrics.apiWrites.labelValues("poolstatus").inc();
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
                LOG.debug("VipPool {} changed under us; writing its status from the informer's newer copy", s.name());
            } else if (e.getCode() != HttpURLConnection.HTTP_NOT_FOUND) {
                LOG.warn("could not write the status of VipPool {}: {}", s.name(), e.getMessage());
            }
            return false;
        }
    }

    /** The status tree the pool is to have (conditions as metav1.Condition). */
    static Map<String, Object> desired(GenericKubernetesResource current, PoolStatus s, Instant now) {
        Long generation = current.getMetadata().getGeneration();
        Map<String, Object> out = new LinkedHashMap<>();
        if (generation != null) {
            out.put("observedGeneration", generation);
        }
        out.put("addresses", s.addresses());
        for (IpFamily f : IpFamily.values()) {
            PoolStatus.Counts c = s.families().get(f);
            if (c != null) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("total", c.total().toString());
                m.put("used", c.used());
                m.put("free", c.free().toString());
                out.put(f == IpFamily.IPv4 ? "ipv4" : "ipv6", m);
            }
        }
        out.put("used", s.used());
        out.put("free", s.free().toString());
        List<Object> conditions = new ArrayList<>();
        Map<String, Map<String, Object>> before = conditions(current);
        boolean ready = s.health() == PoolStatus.Health.READY;
        boolean conflict = s.health() == PoolStatus.Health.CONFLICT;
        boolean invalid = s.health() == PoolStatus.Health.INVALID;
        conditions.add(condition(before, "Ready", ready, ready ? "Serving" : conflict ? "Conflict" : "Invalid",
                ready ? "addresses are handed out" : s.message(), generation, now));
        conditions.add(condition(before, "Conflict", conflict, conflict ? "Overlap" : "NoOverlap", conflict ? s.message() : "", generation, now));
        conditions.add(condition(before, "Invalid", invalid, invalid ? "InvalidSpec" : "Valid", invalid ? s.message() : "", generation, now));
        out.put("conditions", conditions);
        return out;
    }

    private static Map<String, Object> condition(Map<String, Map<String, Object>> before, String type, boolean status, String reason,
            String message, Long generation, Instant now) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("type", type);
        String text = status ? "True" : "False";
        c.put("status", text);
        c.put("reason", reason);
        c.put("message", message.length() > 32768 ? message.substring(0, 32768) : message);
        Map<String, Object> old = before.get(type);
        Object since = old != null && text.equals(old.get("status")) && old.get("lastTransitionTime") != null
                ? old.get("lastTransitionTime") : now.truncatedTo(ChronoUnit.SECONDS).toString();
        c.put("lastTransitionTime", since);
        if (generation != null) {
            c.put("observedGeneration", generation);
        }
        return c;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> conditions(GenericKubernetesResource current) {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        if (current.getAdditionalProperties().get("status") instanceof Map<?, ?> status && status.get("conditions") instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof Map<?, ?> m && m.get("type") instanceof String type) {
                    out.put(type, (Map<String, Object>) m);
                }
            }
        }
        return out;
    }

    private static boolean same(Object a, Object b) {
        try {
            return CANONICAL.writeValueAsString(a).equals(CANONICAL.writeValueAsString(b));
        } catch (JsonProcessingException e) {
            return false;
        }
    }
}
