package io.vipkeeper.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The lab API's objects, indexed as kube-apiserver's watch cache is: per resource type, per namespace, per name, so
 * a get, a create or an update costs a map look-up whatever else is stored, and a page of a list costs its page.
 * Every write takes the next value of one global resourceVersion. Each type keeps its last events (a bounded
 * history), so a watch from resourceVersion N replays what happened after N, or is told it is too old (410 Gone)
 * and relists, as clients do on a cluster. Watchers are fed by the write itself, never by a scan.
 *
 * <p>The store takes the objects it is given (callers must not change them afterwards) and never changes a stored
 * object: readers may keep and send what they read. Methods are synchronized on
 * the store; a caller that reads, decides and writes holds the store's monitor across all three.
 */
final class ObjectStore {

    /** One change; {@code previous} is the object before a MODIFIED (null otherwise). */
    record Event(long resourceVersion, String type, ObjectNode object, ObjectNode previous) {
    }

    /** Where a watch's events go; answers false when the watcher has gone away. */
    interface Sink {
        boolean send(String type, ObjectNode object);
    }

    /** A watch asked for events older than the history holds: the client must list again. */
    static final class TooOld extends Exception {
        TooOld(long requested, long oldest) {
            super("too old resource version: " + requested + " (" + oldest + ")");
        }
    }

    /** A page of a list: items in namespace, name order; {@code next} is the key to continue after, if any remain. */
    record Page(List<ObjectNode> items, long resourceVersion, Optional<String> next, long remaining) {
    }

    private static final class Watcher {
        final String namespace;
        final Predicate<JsonNode> filter;
        final Sink sink;

        Watcher(String namespace, Predicate<JsonNode> filter, Sink sink) {
            this.namespace = namespace;
            this.filter = filter;
            this.sink = sink;
        }

        boolean matches(ObjectNode o) {
            return o != null && (namespace == null || namespace.equals(namespaceOf(o))) && filter.test(o);
        }

        /** Sends what this watcher sees of the event (a change out of its selection is a DELETED); false when gone. */
        boolean deliver(Event e) {
            boolean now = matches(e.object());
            if (e.type().equals("MODIFIED")) {
                boolean before = matches(e.previous());
                if (before && now) {
                    return sink.send("MODIFIED", e.object());
                } else if (before) {
                    return sink.send("DELETED", e.object());
                } else if (now) {
                    return sink.send("ADDED", e.object());
                }
                return true;
            }
            return !now || sink.send(e.type(), e.object());
        }
    }

    private static final class Kind {
        /** namespace ("" for cluster-scoped objects) → name → object. */
        final TreeMap<String, TreeMap<String, ObjectNode>> objects = new TreeMap<>();
        final ArrayDeque<Event> history = new ArrayDeque<>();
        /** Events with a resourceVersion up to this one have left the history. */
        long evictedThrough;
        final List<Watcher> watchers = new ArrayList<>();
        int size;
    }

    private final int historyLimit;
    private final Map<String, Kind> kinds = new HashMap<>();
    private long resourceVersion;

    /** @param historyLimit events kept per resource type for watches that resume */
    ObjectStore(int historyLimit) {
        if (historyLimit < 1) {
            throw new IllegalArgumentException("history must hold at least one event");
        }
        this.historyLimit = historyLimit;
    }

    static String namespaceOf(JsonNode o) {
        return o.path("metadata").path("namespace").asText("");
    }

    static String nameOf(JsonNode o) {
        return o.path("metadata").path("name").asText("");
    }

    synchronized long resourceVersion() {
        return resourceVersion;
    }

    synchronized Optional<ObjectNode> get(String kind, String namespace, String name) {
        Kind k = kinds.get(kind);
        TreeMap<String, ObjectNode> names = k == null ? null : k.objects.get(ns(namespace));
        return Optional.ofNullable(names == null ? null : names.get(name));
    }

    synchronized int size(String kind) {
        Kind k = kinds.get(kind);
        return k == null ? 0 : k.size;
    }

    /** Takes a new object (the caller checked it is new) under the next resourceVersion, which it sets; returns it. */
    synchronized ObjectNode create(String kind, ObjectNode object) {
        Kind k = kinds.computeIfAbsent(kind, x -> new Kind());
        ObjectNode stored = versioned(object);
        TreeMap<String, ObjectNode> names = k.objects.computeIfAbsent(namespaceOf(stored), x -> new TreeMap<>());
        if (names.put(nameOf(stored), stored) != null) {
            throw new IllegalStateException(kind + " " + namespaceOf(stored) + "/" + nameOf(stored) + " exists");
        }
        k.size++;
        publish(k, new Event(resourceVersion, "ADDED", stored, null));
        return stored;
    }

    /** Replaces a stored object (same namespace and name) under the next resourceVersion; returns it. */
    synchronized ObjectNode update(String kind, ObjectNode object) {
        Kind k = kinds.get(kind);
        TreeMap<String, ObjectNode> names = k == null ? null : k.objects.get(namespaceOf(object));
        ObjectNode previous = names == null ? null : names.get(nameOf(object));
        if (previous == null) {
            throw new IllegalStateException(kind + " " + namespaceOf(object) + "/" + nameOf(object) + " does not exist");
        }
        ObjectNode stored = versioned(object);
        names.put(nameOf(stored), stored);
        publish(k, new Event(resourceVersion, "MODIFIED", stored, previous));
        return stored;
    }

    /** Removes an object; the DELETED event carries its last state under a new resourceVersion, which is returned. */
    synchronized Optional<ObjectNode> delete(String kind, String namespace, String name) {
        Kind k = kinds.get(kind);
        TreeMap<String, ObjectNode> names = k == null ? null : k.objects.get(ns(namespace));
        ObjectNode removed = names == null ? null : names.remove(name);
        if (removed == null) {
            return Optional.empty();
        }
        if (names.isEmpty()) {
            k.objects.remove(ns(namespace));
        }
        k.size--;
        ObjectNode last = versioned(removed.deepCopy());
        publish(k, new Event(resourceVersion, "DELETED", last, null));
        return Optional.of(last);
    }

    /** Every object of a type in a namespace (null: all), in name order. */
    synchronized List<ObjectNode> all(String kind, String namespace) {
        return list(kind, namespace, o -> true, 0, null).items();
    }

    /** Drops a type: deletes every object (with events), then forgets it. */
    synchronized void drop(String kind) {
        Kind k = kinds.get(kind);
        if (k == null) {
            return;
        }
        for (ObjectNode o : all(kind, null)) {
            delete(kind, namespaceOf(o), nameOf(o));
        }
        k.watchers.forEach(w -> w.sink.send("CLOSE", null));
        kinds.remove(kind);
    }

    /**
     * A page of the objects of a type in a namespace (null: all) that pass the filter, in namespace then name order.
     *
     * @param limit at most this many (0: all)
     * @param after continue after this "namespace/name" key (null: from the start)
     */
    synchronized Page list(String kind, String namespace, Predicate<JsonNode> filter, long limit, String after) {
        Kind k = kinds.get(kind);
        List<ObjectNode> items = new ArrayList<>();
        if (k == null) {
            return new Page(items, resourceVersion, Optional.empty(), 0);
        }
        String afterNs = null;
        String afterName = null;
        if (after != null) {
            int slash = after.indexOf('/');
            if (slash < 0) {
                throw new IllegalArgumentException("invalid continue token");
            }
            afterNs = after.substring(0, slash);
            afterName = after.substring(slash + 1);
        }
        NavigableMap<String, TreeMap<String, ObjectNode>> spaces = namespace != null
                ? k.objects.subMap(ns(namespace), true, ns(namespace), true)
                : afterNs == null ? k.objects : k.objects.tailMap(afterNs, true);
        ObjectNode last = null;
        boolean more = false;
        outer:
        for (Map.Entry<String, TreeMap<String, ObjectNode>> space : spaces.entrySet()) {
            Collection<ObjectNode> names = afterNs != null && afterNs.equals(space.getKey())
                    ? space.getValue().tailMap(afterName, false).values() : space.getValue().values();
            if (afterNs != null && space.getKey().compareTo(afterNs) < 0) {
                continue;
            }
            for (ObjectNode o : names) {
                if (!filter.test(o)) {
                    continue;
                }
                if (limit > 0 && items.size() == limit) {
                    more = true;
                    break outer;
                }
                items.add(o);
                last = o;
            }
        }
        Optional<String> next = more ? Optional.of(namespaceOf(last) + "/" + nameOf(last)) : Optional.empty();
        return new Page(items, resourceVersion, next, 0);
    }

    /**
     * Starts a watch of a type in a namespace (null: all) for objects that pass the filter. Without a resourceVersion
     * (null) it first sends every such object as ADDED; with one, every event after it that the history holds.
     *
     * @return what stops the watch
     * @throws TooOld if events after {@code from} have left the history
     */
    synchronized Runnable watch(String kind, String namespace, Predicate<JsonNode> filter, Long from, Sink sink) throws TooOld {
        Kind k = kinds.computeIfAbsent(kind, x -> new Kind());
        Watcher w = new Watcher(namespace, filter, sink);
        if (from == null) {
            for (ObjectNode o : list(kind, namespace, filter, 0, null).items()) {
                if (!sink.send("ADDED", o)) {
                    return () -> { };
                }
            }
        } else {
            if (from < k.evictedThrough) {
                throw new TooOld(from, k.evictedThrough);
            }
            for (Event e : k.history) {
                if (e.resourceVersion() > from && !w.deliver(e)) {
                    return () -> { };
                }
            }
        }
        k.watchers.add(w);
        return () -> {
            synchronized (ObjectStore.this) {
                k.watchers.remove(w);
            }
        };
    }

    synchronized int watchers(String kind) {
        Kind k = kinds.get(kind);
        return k == null ? 0 : k.watchers.size();
    }

    /** Sets the next resourceVersion on the object, which the store takes: the caller must not change it afterwards. */
    private ObjectNode versioned(ObjectNode object) {
        ((ObjectNode) object.path("metadata")).put("resourceVersion", String.valueOf(++resourceVersion));
        return object;
    }

    private void publish(Kind k, Event e) {
        k.history.addLast(e);
        while (k.history.size() > historyLimit) {
            k.evictedThrough = k.history.removeFirst().resourceVersion();
        }
        for (Iterator<Watcher> it = k.watchers.iterator(); it.hasNext(); ) {
            if (!it.next().deliver(e)) {
                it.remove();
            }
        }
    }

    private static String ns(String namespace) {
        return namespace == null ? "" : namespace;
    }
}
