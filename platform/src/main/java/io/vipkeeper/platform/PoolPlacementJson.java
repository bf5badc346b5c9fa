package io.vipkeeper.platform;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.pool.PoolPlacement;
import io.vipkeeper.core.pool.PoolPlacements;
import io.vipkeeper.core.viptable.PoolPlacementCodec;
import java.util.List;

/** The JSON text of the VIP ConfigMap's pool-placement annotation ({@link PoolPlacementCodec} reads the tree). */
public final class PoolPlacementJson {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Annotations are at most 256 KiB in all; anything longer was not written by a controller. */
    private static final int MAX_LENGTH = 256 * 1024;

    private PoolPlacementJson() {
    }

    public static String encode(List<PoolPlacement> placements) {
        try {
            return JSON.writeValueAsString(PoolPlacementCodec.toTree(placements));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write pool placements", e);
        }
    }

    /** The placements in the annotation's text ({@code null} or blank: none); refuses what does not parse. */
    public static PoolPlacements decode(String text) {
        if (text == null || text.isBlank()) {
            return PoolPlacements.NONE;
        }
        if (text.length() > MAX_LENGTH) {
            throw new InvalidInputException(PoolPlacementCodec.ANNOTATION + " is longer than " + MAX_LENGTH + " characters");
        }
        Object tree;
        try {
            tree = JSON.readValue(text, Object.class);
        } catch (JsonProcessingException e) {
            throw new InvalidInputException(PoolPlacementCodec.ANNOTATION + " is not JSON: " + e.getOriginalMessage());
        }
        return new PoolPlacements(PoolPlacementCodec.fromTree(tree));
    }
}
