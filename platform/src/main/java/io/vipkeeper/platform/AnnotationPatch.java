package io.vipkeeper.platform;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * A JSON Patch (RFC 6902) that sets or removes one annotation, built with a JSON library so no value can break
 * out of its string. A JSON Patch, not a merge patch: the in-memory API mishandles merge patches, and a JSON
 * Patch touches only the one key on a real API server too.
 */
public final class AnnotationPatch {

    private static final ObjectMapper JSON = new ObjectMapper();

    private AnnotationPatch() {
    }

    /**
     * @param current the object's annotations now (null or empty: the map is created)
     * @param value   the new value, or null to remove the annotation
     * @return the patch, or null when nothing would change
     */
    public static String set(Map<String, String> current, String key, String value) {
        String now = current == null ? null : current.get(key);
        if (value == null ? now == null : value.equals(now)) {
            return null;
        }
        ArrayNode patch = JSON.createArrayNode();
        ObjectNode op = patch.addObject();
        if (value == null) {
            op.put("op", "remove").put("path", path(key));
        } else if (current == null || current.isEmpty()) {
            op.put("op", "add").put("path", "/metadata/annotations").putObject("value").put(key, value);
        } else {
            op.put("op", "add").put("path", path(key)).put("value", value);
        }
        return patch.toString();
    }

    private static String path(String key) {
        return "/metadata/annotations/" + key.replace("~", "~0").replace("/", "~1");
    }
}
