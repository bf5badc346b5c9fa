package io.vipkeeper.core.names;

import io.vipkeeper.core.InvalidInputException;

/** A Service's namespace and name, both validated: safe to print into any configuration. */
public record ServiceRef(String namespace, String name) implements Comparable<ServiceRef> {

    public ServiceRef {
        // one String per namespace, not per reference (the agent holds several references per Service)
        namespace = KubeNames.requireNamespace(namespace).intern();
        KubeNames.requireServiceName(name);
    }

    /** Parses {@code namespace/name}. */
    public static ServiceRef parse(String text) {
        int slash = text == null ? -1 : text.indexOf('/');
        if (slash < 0) {
            throw new InvalidInputException("not namespace/service: " + InvalidInputException.quote(text));
        }
        return new ServiceRef(text.substring(0, slash), text.substring(slash + 1));
    }

    @Override
    public int compareTo(ServiceRef o) {
        int c = namespace.compareTo(o.namespace);
        return c != 0 ? c : name.compareTo(o.name);
    }

    @Override
    public String toString() {
        return namespace + "/" + name;
    }
}
