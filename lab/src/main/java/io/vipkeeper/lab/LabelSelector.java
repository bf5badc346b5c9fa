package io.vipkeeper.lab;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Label selectors as kube-apiserver reads them: {@code a=b}, {@code a==b}, {@code a!=b}, {@code a in (x,y)},
 * {@code a notin (x)}, {@code a} (exists) and {@code !a} (does not exist), joined by commas.
 */
final class LabelSelector {

    private LabelSelector() {
    }

    static Predicate<JsonNode> parse(String selector) {
        Predicate<JsonNode> all = o -> true;
        for (String term : split(selector)) {
            String t = term.strip();
            if (!t.isEmpty()) {
                all = all.and(term(t));
            }
        }
        return all;
    }

    private static Predicate<JsonNode> term(String t) {
        String[] words = t.split("\\s+", 2);
        if (words.length == 2 && (words[1].startsWith("in ") || words[1].startsWith("in(")
                || words[1].startsWith("notin ") || words[1].startsWith("notin("))) {
            boolean in = words[1].startsWith("in");
            String rest = words[1].substring(in ? 2 : 5).strip();
            if (!rest.startsWith("(") || !rest.endsWith(")")) {
                throw new IllegalArgumentException("unable to parse requirement: '" + t + "': values need parentheses");
            }
            Set<String> values = Set.copyOf(List.of(rest.substring(1, rest.length() - 1).split("\\s*,\\s*", -1))
                    .stream().map(String::strip).toList());
            String key = key(words[0], t);
            return o -> {
                JsonNode v = o.path("metadata").path("labels").get(key);
                return in ? v != null && values.contains(v.asText()) : v == null || !values.contains(v.asText());
            };
        }
        int ne = t.indexOf("!=");
        int eq = t.indexOf('=');
        if (ne >= 0) {
            String key = key(t.substring(0, ne), t);
            String value = value(t.substring(ne + 2), t);
            return o -> {
                JsonNode v = o.path("metadata").path("labels").get(key);
                return v == null || !v.asText().equals(value);
            };
        }
        if (eq >= 0) {
            String key = key(t.substring(0, eq), t);
            String value = value(t.substring(t.startsWith("==", eq) ? eq + 2 : eq + 1), t);
            return o -> {
                JsonNode v = o.path("metadata").path("labels").get(key);
                return v != null && v.asText().equals(value);
            };
        }
        if (t.startsWith("!")) {
            String key = key(t.substring(1), t);
            return o -> !o.path("metadata").path("labels").has(key);
        }
        String key = key(t, t);
        return o -> o.path("metadata").path("labels").has(key);
    }

    private static String key(String raw, String term) {
        String k = raw.strip();
        if (k.isEmpty() || !k.matches("[A-Za-z0-9_./-]+")) {
            throw new IllegalArgumentException("unable to parse requirement: '" + term + "': invalid label key '" + k + "'");
        }
        return k;
    }

    private static String value(String raw, String term) {
        String v = raw.strip();
        if (!v.matches("[A-Za-z0-9_.-]*")) {
            throw new IllegalArgumentException("unable to parse requirement: '" + term + "': invalid label value '" + v + "'");
        }
        return v;
    }

    /** Splits on commas outside parentheses. */
    private static List<String> split(String s) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        StringBuilder current = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            }
            if (c == ',' && depth == 0) {
                parts.add(current.toString());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        parts.add(current.toString());
        return parts;
    }
}
