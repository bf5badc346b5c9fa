package io.vipkeeper.platform;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes core/v1 Events on objects, so {@code kubectl describe} and {@code kubectl get events} show what
 * happened. The same reason and message for the same object is written once (repeats within
 * {@link #REPEAT_AFTER_SECONDS} are dropped) so a reconcile loop cannot flood the API.
 * Events are written by a background thread from a bounded queue (dropped, with a log line, when it is full), and
 * failures are logged, never thrown: an event is a report, not part of the work, and must not slow it down.
 */
public final class EventRecorder implements AutoCloseable {

    public enum Type { Normal, Warning }

    private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
    static final long REPEAT_AFTER_SECONDS = 600;
    private static final int MAX_REMEMBERED = 10_000;

    private static final int QUEUE = 10_000;

    private final ThreadPoolExecutor sender = new ThreadPoolExecutor(1, 1, 0L,
            TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(QUEUE), r -> {
                Thread t = new Thread(r, "events");
                t.setDaemon(true);
                return t;
            }, (r, executor) -> LOG.warn("event queue full; an event was dropped"));
    private final KubernetesClient client;
    private final String component;
    private final String host;
    /** Recently written events by a 64-bit hash of object, reason and message (not the text: thousands of them). */
    private final Map<Long, Instant> recent = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Instant> eldest) {
            return size() > MAX_REMEMBERED;
        }
    };

    public EventRecorder(KubernetesClient client, String component, String host) {
        this.client = client;
        this.component = component;
        this.host = host;
    }

    public void normal(HasMetadata object, String reason, String message) {
        record(object, Type.Normal, reason, message);
    }

    public void warning(HasMetadata object, String reason, String message) {
        record(object, Type.Warning, reason, message);
    }

    public void record(HasMetadata object, Type type, String reason, String message) {
        // a cluster-scoped object (a VipPool, a Node) has no namespace: its reference keeps none, as kubectl describe
        // matches on it, and the Event itself goes to "default", as Kubernetes' own recorders do
        String namespace = object.getMetadata().getNamespace();
        long key = hash64(object.getKind() + "/" + namespace + "/" + object.getMetadata().getName() + "/" + object.getMetadata().getUid()
                + "/" + reason + "/" + message);
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        synchronized (recent) {
            Instant last = recent.get(key);
            if (last != null && last.plusSeconds(REPEAT_AFTER_SECONDS).isAfter(now)) {
                return;
            }
            recent.put(key, now);
        }
        // the queue holds only the reference, not the object (a queue of thousands of full Services is MBs)
        ObjectReference involved = new ObjectReferenceBuilder()
                .withApiVersion(object.getApiVersion())
                .withKind(object.getKind())
                .withNamespace(namespace)
                .withName(object.getMetadata().getName())
                .withUid(object.getMetadata().getUid())
                .withResourceVersion(object.getMetadata().getResourceVersion())
                .build();
        sender.execute(() -> send(involved, type, reason, message, now.toString()));
    }

    private void send(ObjectReference involved, Type type, String reason, String message, String ts) {
        String namespace = involved.getNamespace() == null ? "default" : involved.getNamespace();
        try {
            client.v1().events().inNamespace(namespace).resource(new EventBuilder()
                    .withNewMetadata()
                    .withName(involved.getName() + "." + UUID.randomUUID().toString().substring(0, 13).replace("-", ""))
                    .withNamespace(namespace)
                    .endMetadata()
                    .withInvolvedObject(involved)
                    .withType(type.name())
                    .withReason(reason)
                    .withMessage(message)
                    .withCount(1)
                    .withFirstTimestamp(ts)
                    .withLastTimestamp(ts)
                    .withNewSource(component, host)
                    .withReportingComponent(component)
                    .withReportingInstance(host)
                    .build()).create();
        } catch (RuntimeException e) {
            LOG.warn("could not write event {} on {}/{}: {}", reason, namespace, involved.getName(), e.getMessage());
        }
    }

    /** FNV-1a, 64 bits: a collision (about 1 in 10^15 among 10,000 keys) would only drop a repeated-looking event. */
    static long hash64(String s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < s.length(); i++) {
            h = (h ^ s.charAt(i)) * 0x100000001b3L;
        }
        return h;
    }

    /** Waits briefly for queued events to be written, then stops. */
    @Override
    public void close() {
        sender.shutdown();
        try {
            sender.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
