package io.vipkeeper.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Checks a custom resource against its CRD's structural schema (OpenAPI v3 subset) as kube-apiserver does, in its
 * words: type (and nullable, x-kubernetes-int-or-string), required, enum, pattern, minimum/maximum (exclusive too),
 * minLength/maxLength, minItems/maxItems, properties, additionalProperties and items. Fields the schema does not
 * declare are pruned (kept under x-kubernetes-preserve-unknown-fields) and reported, so a Strict request can refuse
 * them. Not checked: x-kubernetes-validations (CEL rules), format, uniqueItems, list-type and map-type semantics.
 */
final class SchemaValidator {

    /** What a check found: errors refuse the object, unknown fields refuse it only under fieldValidation=Strict. */
    record Result(List<String> errors, List<String> unknownFields) {
    }

    private static final List<String> ROOT_FIELDS = List.of("apiVersion", "kind", "metadata");

    private SchemaValidator() {
    }

    /** Checks {@code object} (and prunes its undeclared fields in place). */
    static Result check(JsonNode schema, ObjectNode object) {
        List<String> errors = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        walk(schema, object, "", errors, unknown, true);
        return new Result(errors, unknown);
    }

    private static void walk(JsonNode schema, JsonNode value, String path, List<String> errors, List<String> unknown, boolean root) {
        if (schema == null || !schema.isObject()) {
            return;
        }
        if (value.isNull()) {
            if (!schema.path("nullable").asBoolean()) {
                errors.add(path + ": Invalid value: \"null\": " + path + " in body must be of type " + schema.path("type").asText("object")
                        + ": \"null\"");
            }
            return;
        }
        String type = schema.path("type").asText("");
        if (schema.path("x-kubernetes-int-or-string").asBoolean()) {
            if (!value.isIntegralNumber() && !value.isTextual()) {
                errors.add(path + ": Invalid value: \"" + typeOf(value) + "\": " + path + " in body must be of type integer or string: \""
                        + typeOf(value) + "\"");
                return;
            }
        } else if (!type.isEmpty() && !hasType(value, type)) {
            errors.add(path + ": Invalid value: \"" + typeOf(value) + "\": " + path + " in body must be of type " + type + ": \""
                    + typeOf(value) + "\"");
            return;
        }
        JsonNode enumeration = schema.get("enum");
        if (enumeration != null && enumeration.isArray()) {
            boolean found = false;
            for (JsonNode allowed : enumeration) {
                found |= allowed.equals(value);
            }
            if (!found) {
                List<String> supported = new ArrayList<>();
                enumeration.forEach(e -> supported.add(e.toString()));
                errors.add(path + ": Unsupported value: " + value + ": supported values: " + String.join(", ", supported));
            }
        }
        if (value.isTextual()) {
            String s = value.asText();
            if (schema.has("maxLength") && s.length() > schema.get("maxLength").asInt()) {
                errors.add(path + ": Too long: may not be longer than " + schema.get("maxLength").asInt());
            }
            if (schema.has("minLength") && s.length() < schema.get("minLength").asInt()) {
                errors.add(path + ": Invalid value: " + value + ": " + path + " in body should be at least "
                        + schema.get("minLength").asInt() + " chars long");
            }
            if (schema.has("pattern")) {
                String pattern = schema.get("pattern").asText();
                boolean matches;
                try {
                    matches = Pattern.compile(pattern).matcher(s).find();
                } catch (PatternSyntaxException e) {
                    matches = true; // a pattern Java cannot read is not checked
                }
                if (!matches) {
                    errors.add(path + ": Invalid value: " + value + ": " + path + " in body should match '" + pattern + "'");
                }
            }
        }
        if (value.isNumber()) {
            double n = value.asDouble();
            if (schema.has("minimum")) {
                double min = schema.get("minimum").asDouble();
                boolean exclusive = schema.path("exclusiveMinimum").asBoolean();
                if (exclusive ? n <= min : n < min) {
                    errors.add(path + ": Invalid value: " + value + ": " + path + " in body should be greater than "
                            + (exclusive ? "" : "or equal to ") + number(schema.get("minimum")));
                }
            }
            if (schema.has("maximum")) {
                double max = schema.get("maximum").asDouble();
                boolean exclusive = schema.path("exclusiveMaximum").asBoolean();
                if (exclusive ? n >= max : n > max) {
                    errors.add(path + ": Invalid value: " + value + ": " + path + " in body should be less than "
                            + (exclusive ? "" : "or equal to ") + number(schema.get("maximum")));
                }
            }
        }
        if (value.isArray()) {
            if (schema.has("maxItems") && value.size() > schema.get("maxItems").asInt()) {
                errors.add(path + ": Too many: " + value.size() + ": must have at most " + schema.get("maxItems").asInt() + " items");
            }
            if (schema.has("minItems") && value.size() < schema.get("minItems").asInt()) {
                errors.add(path + ": Invalid value: " + value.size() + ": " + path + " in body should have at least "
                        + schema.get("minItems").asInt() + " items");
            }
            for (int i = 0; i < value.size(); i++) {
                walk(schema.get("items"), value.get(i), path + "[" + i + "]", errors, unknown, false);
            }
        }
        if (value instanceof ObjectNode object) {
            for (JsonNode required : schema.path("required")) {
                if (!object.has(required.asText())) {
                    errors.add(child(path, required.asText()) + ": Required value");
                }
            }
            JsonNode properties = schema.path("properties");
            JsonNode additional = schema.get("additionalProperties");
            boolean preserve = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean();
            for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                String name = field.getKey();
                String p = child(path, name);
                if (root && ROOT_FIELDS.contains(name)) {
                    continue;
                }
                if (properties.has(name)) {
                    walk(properties.get(name), field.getValue(), p, errors, unknown, false);
                } else if (additional != null && additional.isObject()) {
                    walk(additional, field.getValue(), p, errors, unknown, false);
                } else if (!preserve && !(additional != null && additional.asBoolean(false))) {
                    unknown.add(p);
                    it.remove();
                }
            }
        }
    }

    private static String child(String path, String field) {
        return path.isEmpty() ? field : path + "." + field;
    }

    private static boolean hasType(JsonNode value, String type) {
        return switch (type) {
            case "object" -> value.isObject();
            case "array" -> value.isArray();
            case "string" -> value.isTextual();
            case "integer" -> value.isIntegralNumber() || (value.isNumber() && value.asDouble() == Math.rint(value.asDouble()));
            case "number" -> value.isNumber();
            case "boolean" -> value.isBoolean();
            default -> true;
        };
    }

    private static String typeOf(JsonNode value) {
        if (value.isObject()) {
            return "object";
        } else if (value.isArray()) {
            return "array";
        } else if (value.isTextual()) {
            return "string";
        } else if (value.isIntegralNumber()) {
            return "integer";
        } else if (value.isNumber()) {
            return "number";
        } else if (value.isBoolean()) {
            return "boolean";
        }
        return "null";
    }

    private static String number(JsonNode n) {
        return n.isIntegralNumber() || n.asDouble() == Math.rint(n.asDouble()) ? String.valueOf(n.asLong()) : n.asText();
    }
}
