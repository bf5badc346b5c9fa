package io.vipkeeper.controller;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.LoadBalancerIngressBuilder;
import io.fabric8.kubernetes.api.model.LoadBalancerStatus;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServiceStatus;
import io.fabric8.kubernetes.api.model.ServiceStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.vipkeeper.core.decide.OutsidePoolsCondition;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.platform.AnnotationPatch;
import java.net.HttpURLConnection;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes what was decided for a Service: its status (the record of what it holds) and its pool annotation. */
final class ServiceWriter {

    private static final Logger LOG = LoggerFactory.getLogger(ServiceWriter.class);

    /** The Service holds no address outside the pools (a status without the condition keeps none). */
    static final OutsidePoolsCondition NOT_OUTSIDE = new OutsidePoolsCondition(List.of());

    private final KubernetesClient client;
    private final BooleanSupplier mayWrite;
    private final ControllerMetrics metrics;
    private final Consumer<String> retryLater;
    private final StatusEchoes echoes = new StatusEchoes();

    /** {@code retryLater}: called with the Service's key when a write failed for a reason other than a conflict. */
    ServiceWriter(KubernetesClient client, BooleanSupplier mayWrite, ControllerMetrics metrics, Consumer<String> retryLater) {
        this.client = client;
        this.mayWrite = mayWrite;
        this.metrics = metrics;
        this.retryLater = retryLater;
    }

    /**
     * A full update of the status subresource with the resourceVersion read; on 409, re-read and retry. The status
     * names {@code ips} and carries {@code outside} in its conditions (see {@link #withOutside}); the other conditions
     * (other controllers') are kept as they are.
     */
    boolean writeStatus(Service s, List<IpAddress> ips, OutsidePoolsCondition outside) {
        String key = ServiceController.key(s);
        String decidedOn = s.getMetadata().getResourceVersion();
        if (echoes.alreadyWritten(key, decidedOn, ips, outside)) {
            return false; // written from this very copy; the informer has not seen the echo yet
        }
        Service current = s;
        for (int attempt = 1; attempt <= 5 && mayWrite.getAsBoolean(); attempt++) {
            ServiceStatus status = current.getStatus() == null ? new ServiceStatus() : new ServiceStatusBuilder(current.getStatus()).build();
            LoadBalancerStatus lb = new LoadBalancerStatus();
            lb.setIngress(ips.stream().map(ip -> new LoadBalancerIngressBuilder().withIp(ip.toString()).build()).toList());
            status.setLoadBalancer(lb);
            status.setConditions(withOutside(status.getConditions(), outside, current.getMetadata().getGeneration(),
                    Instant.now().truncatedTo(ChronoUnit.SECONDS).toString()));
            Service next = new ServiceBuilder(current).withStatus(status).build();
            try {
                client.services().inNamespace(s.getMetadata().getNamespace()).resource(next).updateStatus();
                metrics.apiWrites.labelValues("status").inc();
                echoes.wrote(key, decidedOn, ips, outside);
                return true;
            } catch (KubernetesClientException e) {
                if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
                    return false;
                }
                if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
                    LOG.warn("could not write the status of {}: {}", key, e.getMessage());
                    retryLater.accept(key);
                    return false;
                }
                current = client.services().inNamespace(s.getMetadata().getNamespace()).withName(s.getMetadata().getName()).get();
                if (current == null || !Objects.equals(current.getMetadata().getUid(), s.getMetadata().getUid())) {
                    return false;
                }
            }
        }
        return false;
    }

    /**
     * The conditions with the AddressOutsidePools one set: added or updated when it is True; when it is False, updated
     * only where the Service has it (a Service that never held an address outside the pools gets none). The
     * lastTransitionTime changes only with the status; the other conditions are untouched. Null stays null when
     * nothing is added.
     */
    static List<Condition> withOutside(List<Condition> current, OutsidePoolsCondition outside, Long generation, String now) {
        List<Condition> out = current == null ? new ArrayList<>() : new ArrayList<>(current);
        int at = -1;
        for (int i = 0; i < out.size(); i++) {
            if (OutsidePoolsCondition.TYPE.equals(out.get(i).getType())) {
                at = i;
            }
        }
        if (at < 0 && !outside.isTrue()) {
            return current;
        }
        Condition had = at < 0 ? null : out.get(at);
        String since = had != null && outside.status().equals(had.getStatus()) && had.getLastTransitionTime() != null
                ? had.getLastTransitionTime() : now;
        Condition c = new ConditionBuilder().withType(OutsidePoolsCondition.TYPE).withStatus(outside.status())
                .withReason(outside.reason()).withMessage(outside.message()).withLastTransitionTime(since)
                .withObservedGeneration(generation).build();
        if (at < 0) {
            out.add(c);
        } else {
            out.set(at, c);
        }
        return out;
    }

    /** Service {@code key} is gone: nothing of its writes is remembered. */
    void forget(String key) {
        echoes.forget(key);
    }

    /** Sets (or removes, for null) the annotation naming the pool of the Service's primary address. */
    void writePoolAnnotation(Service s, String pool) {
        String patch = AnnotationPatch.set(s.getMetadata().getAnnotations(), Annotations.ALLOCATED_FROM_POOL, pool);
        if (patch == null || !mayWrite.getAsBoolean()) {
            return;
        }
        try {
            client.services().inNamespace(s.getMetadata().getNamespace()).withName(s.getMetadata().getName())
                    .patch(PatchContext.of(PatchType.JSON), patch);
            metrics.apiWrites.labelValues("annotation").inc();
        } catch (KubernetesClientException e) {
            LOG.debug("could not annotate {}: {}", ServiceController.key(s), e.getMessage());
        }
    }
}
