package io.vipkeeper.core.migrate;

import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.names.KubeNames;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A metav1.LabelSelector as MetalLB's objects carry them (matchLabels and matchExpressions), parsed strictly: label keys
 * and values as Kubernetes allows them, operators In, NotIn, Exists, DoesNotExist. The empty selector selects everything.
 */
public record Selector(SortedMap<String, String> matchLabels, List<Requirement> matchExpressions) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");

    public enum Operator { In, NotIn, Exists, DoesNotExist }

    public record Requirement(String key, Operator operator, List<String> values) {
        public Requirement {
            values = List.copyOf(values);
        }
    }

    public Selector {
        matchLabels = new TreeMap<>(matchLabels);
        matchExpressions = List.copyOf(matchExpressions);
    }

    /** Parses a selector from YAML already read into maps and lists; {@code where} names it in messages. */
    public static Selector parse(Object raw, String where) {
        Map<String, Object> m = Fields.map(raw, where);
        SortedMap<String, String> labels = new TreeMap<>();
        List<Requirement> expressions = new ArrayList<>();
        for (Map.Entry<String, Object> e : m.entrySet()) {
            switch (e.getKey()) {
                case "matchLabels" -> {
                    for (Map.Entry<String, Object> l : Fields.map(e.getValue(), where + ".matchLabels").entrySet()) {
                        String key = labelKey(l.getKey(), where + ".matchLabels");
                        labels.put(key, labelValue(Fields.scalar(l.getValue(), where + ".matchLabels." + key), where + ".matchLabels." + key));
                    }
                }
                case "matchExpressions" -> {
                    int i = 0;
                    for (Object x : Fields.list(e.getValue(), where + ".matchExpressions")) {
                        expressions.add(requirement(x, where + ".matchExpressions[" + i++ + "]"));
                    }
                }
                default -> throw new InvalidInputException(where + ": unknown field " + InvalidInputException.quote(e.getKey())
                        + " (matchLabels, matchExpressions)");
            }
        }
        return new Selector(labels, expressions);
    }

    private static Requirement requirement(Object raw, String where) {
        Map<String, Object> m = Fields.map(raw, where);
        String key = labelKey(Fields.string(m, "key", where), where + ".key");
        String op = Fields.string(m, "operator", where);
        Operator operator;
        try {
            operator = Operator.valueOf(op);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(where + ".operator: not an operator: " + InvalidInputException.quote(op)
                    + " (In, NotIn, Exists, DoesNotExist)");
        }
        List<String> values = new ArrayList<>();
        if (m.containsKey("values") && m.get("values") != null) {
            for (Object v : Fields.list(m.get("values"), where + ".values")) {
                values.add(labelValue(Fields.scalar(v, where + ".values"), where + ".values"));
            }
        }
        boolean needsValues = operator == Operator.In || operator == Operator.NotIn;
        if (needsValues == values.isEmpty()) {
            throw new InvalidInputException(where + ": operator " + operator + (needsValues ? " needs values" : " takes no values"));
        }
        for (String k : m.keySet()) {
            if (!List.of("key", "operator", "values").contains(k)) {
                throw new InvalidInputException(where + ": unknown field " + InvalidInputException.quote(k) + " (key, operator, values)");
            }
        }
        return new Requirement(key, operator, values);
    }

    /** A label key: an optional DNS subdomain prefix and '/', then a name of at most 63 characters. */
    static String labelKey(String key, String where) {
        int slash = key.lastIndexOf('/');
        String prefix = slash < 0 ? null : key.substring(0, slash);
        String name = key.substring(slash + 1);
        if ((prefix != null && !KubeNames.isSubdomain(prefix)) || !NAME.matcher(name).matches()) {
            throw new InvalidInputException(where + ": not a label key: " + InvalidInputException.quote(key));
        }
        return key;
    }

    static String labelValue(String value, String where) {
        if (!value.isEmpty() && !NAME.matcher(value).matches()) {
            throw new InvalidInputException(where + ": not a label value: " + InvalidInputException.quote(value));
        }
        return value;
    }

    /** Whether an object with these labels is selected. */
    public boolean matches(Map<String, String> labels) {
        for (Map.Entry<String, String> e : matchLabels.entrySet()) {
            if (!e.getValue().equals(labels.get(e.getKey()))) {
                return false;
            }
        }
        for (Requirement r : matchExpressions) {
            String v = labels.get(r.key());
            boolean ok = switch (r.operator()) {
                case In -> v != null && r.values().contains(v);
                case NotIn -> v == null || !r.values().contains(v);
                case Exists -> v != null;
                case DoesNotExist -> v == null;
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** As the VipPool's YAML writes it. */
    public Map<String, Object> toObject() {
        Map<String, Object> out = new LinkedHashMap<>();
        if (!matchLabels.isEmpty()) {
            out.put("matchLabels", new LinkedHashMap<>(matchLabels));
        }
        if (!matchExpressions.isEmpty()) {
            List<Object> list = new ArrayList<>();
            for (Requirement r : matchExpressions) {
                Map<String, Object> x = new LinkedHashMap<>();
                x.put("key", r.key());
                x.put("operator", r.operator().name());
                if (!r.values().isEmpty()) {
                    x.put("values", r.values());
                }
                list.add(x);
            }
            out.put("matchExpressions", list);
        }
        return out;
    }
}
