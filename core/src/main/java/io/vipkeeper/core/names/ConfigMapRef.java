package io.vipkeeper.core.names;

import io.vipkeeper.core.InvalidInputException;

/**
 * A ConfigMap's namespace and name, both validated. A ConfigMap's name is a DNS subdomain ({@code vip.configmap} is
 * fine), unlike a Service's, which is a DNS label: hence its own type.
 */
public record ConfigMapRef(String namespace, String name) implements Comparable<ConfigMapRef> {

    public ConfigMapRef {
        KubeNames.requireNamespace(namespace);
        KubeNames.requireSubdomain(name, "ConfigMap");
    }

    /** Parses {@code namespace/name}. */
    public static ConfigMapRef parse(String text) {
        int slash = text == null ? -1 : text.indexOf('/');
        if (slash < 0) {
            throw new InvalidInputException("not namespace/name: " + InvalidInputException.quote(text));
        }
        return new ConfigMapRef(text.substring(0, slash), text.substring(slash + 1));
    }

    @Override
    public int compareTo(ConfigMapRef o) {
        int c = namespace.compareTo(o.namespace);
        return c != 0 ? c : name.compareTo(o.name);
    }

    @Override
    public String toString() {
        return namespace + "/" + name;
    }
}
