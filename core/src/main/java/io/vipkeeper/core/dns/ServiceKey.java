package io.vipkeeper.core.dns;

/** A Service by namespace and name, both checked to be DNS labels (they become labels of the published names). */
public record ServiceKey(String namespace, String name) implements Comparable<ServiceKey> {

    public ServiceKey {
        namespace = DnsLabel.parse(namespace);
        name = DnsLabel.parse(name);
    }

    @Override
    public int compareTo(ServiceKey o) {
        int c = namespace.compareTo(o.namespace);
        return c != 0 ? c : name.compareTo(o.name);
    }

    @Override
    public String toString() {
        return namespace + "/" + name;
    }
}
