package io.vipkeeper.core.names;

import io.vipkeeper.core.InvalidInputException;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A Kubernetes label selector ({@code matchLabels} and {@code matchExpressions}, ANDed), parsed strictly: keys are
 * qualified names (optional DNS-subdomain prefix, then a name of at most 63), values at most 63 of the label-value
 * alphabet. An empty selector matches everything, as in Kubernetes.
 */
public record LabelSelector(Map<String, String> matchLabels, List<Requirement> matchExpressions) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
    private static final Pattern VALUE = Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?");

    public static final LabelSelector EVERYTHING = new LabelSelector(Map.of(), List.of());

    public enum Operator {
        IN("In"), NOT_IN("NotIn"), EXISTS("Exists"), DOES_NOT_EXIST("DoesNotExist");

        private final String text;

        Operator(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }

        public static Operator parse(String text) {
            for (Operator o : values()) {
                if (o.text.equals(text)) {
                    return o;
                }
            }
            throw new InvalidInputException("not a label selector operator: " + InvalidInputException.quote(text)
                    + " (In, NotIn, Exists or DoesNotExist)");
        }
    }

    /** One {@code matchExpressions} item; In/NotIn need values, Exists/DoesNotExist take none. */
    public record Requirement(String key, Operator operator, Set<String> values) {
        public Requirement {
            requireKey(key);
            values = Collections.unmodifiableSet(new TreeSet<>(values));
            for (String v : values) {
                requireValue(v);
            }
            boolean wantsValues = operator == Operator.IN || operator == Operator.NOT_IN;
            if (wantsValues && values.isEmpty()) {
                throw new InvalidInputException("label selector " + key + " " + operator.text() + " needs values");
            }
            if (!wantsValues && !values.isEmpty()) {
                throw new InvalidInputException("label selector " + key + " " + operator.text() + " takes no values");
            }
        }

        boolean matches(Map<String, String> labels) {
            String v = labels.get(key);
            return switch (operator) {
                case IN -> v != null && values.contains(v);
                case NOT_IN -> v == null || !values.contains(v);
                case EXISTS -> v != null;
                case DOES_NOT_EXIST -> v == null;
            };
        }
    }

    public LabelSelector {
        TreeMap<String, String> labels = new TreeMap<>();
        for (Map.Entry<String, String> e : matchLabels.entrySet()) {
            labels.put(requireKey(e.getKey()), requireValue(e.getValue()));
        }
        matchLabels = Collections.unmodifiableMap(labels);
        matchExpressions = List.copyOf(matchExpressions);
    }

    public boolean matches(Map<String, String> labels) {
        for (Map.Entry<String, String> e : matchLabels.entrySet()) {
            if (!e.getValue().equals(labels.get(e.getKey()))) {
                return false;
            }
        }
        for (Requirement r : matchExpressions) {
            if (!r.matches(labels)) {
                return false;
            }
        }
        return true;
    }

    public boolean isEmpty() {
        return matchLabels.isEmpty() && matchExpressions.isEmpty();
    }

    /** A label key: {@code name} or {@code prefix/name}, the prefix a DNS subdomain. */
    public static String requireKey(String key) {
        if (key != null) {
            int slash = key.indexOf('/');
            String name = slash < 0 ? key : key.substring(slash + 1);
            boolean prefixOk = slash < 0 || KubeNames.isSubdomain(key.substring(0, slash));
            if (prefixOk && NAME.matcher(name).matches()) {
                return key;
            }
        }
        throw new InvalidInputException("not a valid label key: " + InvalidInputException.quote(key)
                + " (an optional DNS-subdomain prefix and '/', then letters, digits, '-', '_' and '.', at most 63)");
    }

    public static String requireValue(String value) {
        if (value == null || !VALUE.matcher(value).matches()) {
            throw new InvalidInputException("not a valid label value: " + InvalidInputException.quote(value)
                    + " (empty, or letters, digits, '-', '_' and '.', at most 63)");
        }
        return value;
    }
}
