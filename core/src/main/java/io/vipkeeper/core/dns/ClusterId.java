package io.vipkeeper.core.dns;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The name of a publishing cluster as it appears in etcd keys (a DNS label). Keys carry it so that each
 * publisher deletes and rewrites only its own clusters' records.
 */
public record ClusterId(String value) implements Comparable<ClusterId> {

    public ClusterId {
        value = DnsLabel.parse(value);
    }

    /**
     * Derives an id from a kubeconfig context name. A context that is already a label is used as it is;
     * any other (e.g. {@code kubernetes-admin@kubernetes}) is folded to a label plus a hash of the original,
     * so two different contexts never share an id.
     */
    public static ClusterId fromContext(String context) {
        String lower = context.toLowerCase(Locale.ROOT);
        if (DnsLabel.isValid(lower) && lower.equals(context)) {
            return new ClusterId(lower);
        }
        StringBuilder sb = new StringBuilder();
        for (char c : lower.toCharArray()) {
            boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
            if (ok) {
                sb.append(c);
            } else if (sb.length() > 0 && sb.charAt(sb.length() - 1) != '-') {
                sb.append('-');
            }
        }
        String base = sb.length() > 40 ? sb.substring(0, 40) : sb.toString();
        while (base.endsWith("-")) {
            base = base.substring(0, base.length() - 1);
        }
        String hash = SkyDns.fnv32a(context.getBytes(StandardCharsets.UTF_8));
        return new ClusterId(base.isEmpty() ? "c-" + hash : base + "-" + hash);
    }

    @Override
    public int compareTo(ClusterId o) {
        return value.compareTo(o.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
