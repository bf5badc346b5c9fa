package io.vipkeeper.controller;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.pool.AddressPool;
import io.vipkeeper.core.pool.PoolSpecs;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code --pools-file}: many pools in YAML, with the same keys as {@code --pool}:
 * <pre>
 * pools:
 *   - name: prod
 *     addresses: [192.0.2.0/28, 2001:db8::/124]
 *     namespaces: [team-a, team-b]
 *     avoid-buggy-ips: true
 *     auto-assign: false
 * </pre>
 */
public final class PoolsFile {

    private PoolsFile() {
    }

    public static List<AddressPool> read(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
        } catch (IOException e) {
            throw new InvalidInputException("cannot read pools file " + file + ": " + e.getMessage().lines().findFirst().orElse(""));
        }
        JsonNode pools = root == null ? null : root.get("pools");
        if (pools == null || !pools.isArray()) {
            throw new InvalidInputException("pools file " + file + " must have a top-level 'pools:' list");
        }
        List<AddressPool> out = new ArrayList<>();
        int index = 0;
        for (JsonNode p : pools) {
            if (!p.isObject()) {
                throw new InvalidInputException("pools file " + file + ": entry " + index + " is not a mapping");
            }
            Map<String, String> options = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = p.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                options.put(e.getKey(), scalarOrList(e.getValue()));
            }
            try {
                out.add(PoolSpecs.fromOptions(options, "file-pool-" + index));
            } catch (InvalidInputException e) {
                throw new InvalidInputException("pools file " + file + ", entry " + index + ": " + e.getMessage());
            }
            index++;
        }
        return out;
    }

    private static String scalarOrList(JsonNode v) {
        if (v.isArray()) {
            List<String> parts = new ArrayList<>();
            v.forEach(x -> parts.add(x.asText()));
            return String.join(";", parts);
        }
        return v.asText();
    }
}
