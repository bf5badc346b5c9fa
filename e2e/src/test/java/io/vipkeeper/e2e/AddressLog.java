package io.vipkeeper.e2e;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.vipkeeper.platform.KubeReads;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Every address some Services of namespace default show, from every change the API server sends while this is open:
 * a watch, not samples, so an address that moves and comes back in between is seen too. A watch that ends early is
 * recorded as such (nothing can be claimed about the time after it).
 */
final class AddressLog implements AutoCloseable {

    private final Set<String> names;
    private final List<String> seen = new ArrayList<>();
    private final Watch watch;

    AddressLog(KubernetesClient client, Collection<String> names) {
        this.names = Set.copyOf(names);
        this.watch = client.services().inNamespace("default").watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Service s) {
                if (AddressLog.this.names.contains(s.getMetadata().getName())) {
                    record(s.getMetadata().getName() + " " + action + " " + KubeReads.ingressIps(s));
                }
            }

            @Override
            public void onClose(WatcherException cause) {
                record("watch closed early: " + cause.getMessage());
            }
        });
    }

    private synchronized void record(String entry) {
        seen.add(entry);
    }

    /** What was seen so far: "NAME ACTION [ADDRESSES]", in order. */
    synchronized List<String> seen() {
        return List.copyOf(seen);
    }

    @Override
    public void close() {
        watch.close();
    }
}
