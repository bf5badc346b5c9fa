package io.vipkeeper.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.agent.AgentChecks;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.plan.HolderCandidates;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The Service annotation {@code vipkeeper.io/vip-holders}: a JSON object with one member per VIP of the Service, each
 * written by that VIP's MASTER:
 * <pre>{"192.0.2.241":{"master":"node-a","priority":200,"backups":[{"node":"node-b","priority":199}],
 *   "since":"2026-12-02T00:41:07.123Z","previous":"node-b","masterDownSeconds":0.322}}</pre>
 * A BGP VIP has no MASTER: every node announcing it (ECMP) records itself in its sorted {@code announcers} list, and
 * takes itself out when it stops (the member goes with the last one):
 * <pre>{"192.0.2.251":{"announcers":["node-a","node-b","node-c"]}}</pre>
 * Built with a JSON library (no value can break out of its string). What is already there is untrusted: members that
 * are not an object under a VIP of the Service are dropped, of the previous record only the master's node name is
 * read (and must be one), of an announcers list only the node names.
 */
final class VipHoldersAnnotation {

    static final String KEY = "vipkeeper.io/vip-holders";
    static final String ANNOUNCERS = "announcers";
    private static final ObjectMapper JSON = new ObjectMapper();

    private VipHoldersAnnotation() {
    }

    /**
     * The annotation's new text: {@code current} with the members of {@code held} set (this node's), members of VIPs not
     * in {@code vips} dropped, the others kept as they are.
     */
    static String merge(String current, Map<IpAddress, VipHolders.Holder> held, Set<IpAddress> vips) {
        Map<IpAddress, JsonNode> members = members(current, vips);
        for (VipHolders.Holder h : held.values()) {
            if (!vips.contains(h.vip())) {
                continue;
            }
            JsonNode before = members.get(h.vip());
            String previous = nodeName(before, "master");
            if (h.master().equals(previous)) {
                previous = nodeName(before, "previous"); // this node again (new backups): the last move stays
            }
            members.put(h.vip(), member(h, previous));
        }
        ObjectNode out = JSON.createObjectNode();
        members.forEach((vip, m) -> out.set(vip.toString(), m));
        return out.toString();
    }

    /**
     * The annotation's new text: {@code current} with {@code node} in the announcers of each VIP in {@code announced}
     * and out of the announcers of the Service's other VIPs, members of VIPs not in {@code vips} dropped. Nothing else
     * is changed: other nodes' membership, VRRP members (a member without announcers this node is not in).
     */
    static String mergeAnnouncer(String current, String node, Set<IpAddress> announced, Set<IpAddress> vips) {
        Map<IpAddress, JsonNode> members = members(current, vips);
        for (IpAddress vip : vips) {
            JsonNode before = members.get(vip);
            boolean listed = before != null && before.path(ANNOUNCERS).isArray();
            Set<String> names = new TreeSet<>();
            if (listed) {
                before.path(ANNOUNCERS).forEach(n -> {
                    if (n.isTextual() && AgentChecks.isNodeName(n.asText())) {
                        names.add(n.asText());
                    }
                });
            }
            if (announced.contains(vip)) {
                names.add(node); // a VRRP record left from before the VIP moved to BGP is replaced
            } else if (!listed || !names.remove(node)) {
                continue;
            }
            if (names.isEmpty()) {
                members.remove(vip);
            } else {
                ObjectNode m = JSON.createObjectNode();
                names.forEach(m.putArray(ANNOUNCERS)::add);
                members.put(vip, m);
            }
        }
        ObjectNode out = JSON.createObjectNode();
        members.forEach((vip, m) -> out.set(vip.toString(), m));
        return out.toString();
    }

    /** The announcers of {@code vip} in the annotation's text (for tests and status output). */
    static List<String> announcers(String text, IpAddress vip) {
        JsonNode m = read(text).get(vip);
        List<String> out = new ArrayList<>();
        if (m != null) {
            m.path(ANNOUNCERS).forEach(n -> out.add(n.asText()));
        }
        return out;
    }

    private static Map<IpAddress, JsonNode> members(String current, Set<IpAddress> vips) {
        Map<IpAddress, JsonNode> members = new TreeMap<>();
        JsonNode old = parse(current);
        if (old instanceof ObjectNode o) {
            for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                IpAddress vip = vip(e.getKey());
                if (vip != null && vips.contains(vip) && e.getValue().isObject()) {
                    members.put(vip, e.getValue());
                }
            }
        }
        return members;
    }

    private static ObjectNode member(VipHolders.Holder h, String previous) {
        ObjectNode m = JSON.createObjectNode();
        m.put("master", h.master());
        m.put("priority", h.priority());
        ArrayNode backups = m.putArray("backups");
        for (HolderCandidates.Candidate c : h.backups()) {
            backups.addObject().put("node", c.node()).put("priority", c.priority());
        }
        m.put("since", h.since().truncatedTo(ChronoUnit.MILLIS).toString());
        if (previous != null) {
            m.put("previous", previous);
        }
        m.put("masterDownSeconds", BigDecimal.valueOf(h.masterDownSeconds()).setScale(3, RoundingMode.HALF_UP));
        return m;
    }

    /** The annotation's members by VIP (for tests and status output); an unreadable annotation reads as none. */
    static Map<IpAddress, JsonNode> read(String text) {
        Map<IpAddress, JsonNode> out = new TreeMap<>();
        if (parse(text) instanceof ObjectNode o) {
            o.fields().forEachRemaining(e -> {
                IpAddress vip = vip(e.getKey());
                if (vip != null && e.getValue().isObject()) {
                    out.put(vip, e.getValue());
                }
            });
        }
        return out;
    }

    private static JsonNode parse(String text) {
        if (text == null || text.length() > 256 * 1024) {
            return null;
        }
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            return null; // someone else's garbage: rewritten from what this node knows
        }
    }

    private static IpAddress vip(String key) {
        try {
            return IpAddress.parse(key);
        } catch (InvalidInputException e) {
            return null;
        }
    }

    private static String nodeName(JsonNode member, String field) {
        if (member == null || !member.path(field).isTextual()) {
            return null;
        }
        String n = member.path(field).asText();
        return AgentChecks.isNodeName(n) ? n : null;
    }
}
