package io.vipkeeper.core.migrate;

import io.vipkeeper.core.InvalidInputException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** Typed reads of YAML already parsed into maps, lists and scalars; a wrong type is refused naming the field. */
final class Fields {

    private Fields() {
    }

    static Map<String, Object> map(Object raw, String where) {
        if (!(raw instanceof Map<?, ?> m)) {
            throw new InvalidInputException(where + ": not a mapping");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getKey() instanceof String k)) {
                throw new InvalidInputException(where + ": a key is not text: " + InvalidInputException.quote(String.valueOf(e.getKey())));
            }
            out.put(k, e.getValue());
        }
        return out;
    }

    /** The mapping at {@code key}, or an empty one when absent. */
    static Map<String, Object> mapOrEmpty(Map<String, Object> m, String key, String where) {
        Object v = m.get(key);
        return v == null ? Map.of() : map(v, where + "." + key);
    }

    static List<Object> list(Object raw, String where) {
        if (!(raw instanceof List<?> l)) {
            throw new InvalidInputException(where + ": not a list");
        }
        return new ArrayList<>(l);
    }

    /** The list at {@code key}, or an empty one when absent. */
    static List<Object> listOrEmpty(Map<String, Object> m, String key, String where) {
        Object v = m.get(key);
        return v == null ? List.of() : list(v, where + "." + key);
    }

    /** Text, a number or a boolean, as text (a ConfigMap written by hand may leave {@code true} unquoted). */
    static String scalar(Object raw, String where) {
        if (raw instanceof String s) {
            return s;
        }
        if (raw instanceof Number || raw instanceof Boolean) {
            return String.valueOf(raw);
        }
        throw new InvalidInputException(where + ": not a text value");
    }

    static String string(Map<String, Object> m, String key, String where) {
        Object v = m.get(key);
        if (v == null) {
            throw new InvalidInputException(where + ": " + key + " is missing");
        }
        return scalar(v, where + "." + key);
    }

    static List<String> strings(Map<String, Object> m, String key, String where) {
        List<String> out = new ArrayList<>();
        int i = 0;
        for (Object x : listOrEmpty(m, key, where)) {
            out.add(scalar(x, where + "." + key + "[" + i++ + "]"));
        }
        return out;
    }

    static boolean bool(Map<String, Object> m, String key, boolean dflt, String where) {
        Object v = m.get(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        throw new InvalidInputException(where + "." + key + ": not true or false: " + InvalidInputException.quote(String.valueOf(v)));
    }

    /** A whole number within [min, max], or null when absent. */
    static Long number(Map<String, Object> m, String key, long min, long max, String where) {
        Object v = m.get(key);
        if (v == null) {
            return null;
        }
        if (v instanceof Integer || v instanceof Long) {
            long n = ((Number) v).longValue();
            if (n >= min && n <= max) {
                return n;
            }
        }
        throw new InvalidInputException(where + "." + key + ": not a whole number from " + min + " to " + max + ": "
                + InvalidInputException.quote(String.valueOf(v)));
    }

    /** {@code parse}'s value, or its refusal with {@code where} in front (the parsers of core name no field). */
    static <T> T checked(String where, Supplier<T> parse) {
        try {
            return parse.get();
        } catch (InvalidInputException e) {
            throw new InvalidInputException(where + ": " + e.getMessage());
        }
    }
}
