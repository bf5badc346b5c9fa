package io.vipkeeper.core.bgp;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * BIRD's control-socket replies, parsed: each line is {@code DDDD-text} (more follows), {@code DDDD text} (the last
 * line of the reply) or {@code " text"} (continues the previous code). 0xxx: done (0003 reconfigured, 0004
 * reconfiguration in progress, 0020 configuration OK), 1xxx: table rows (1002 protocols, 1006 protocol details, 1020
 * BFD sessions), 8xxx/9xxx: errors (8002: {@code FILE:LINE:COL message}, the old configuration stays).
 */
public final class BirdReplies {

    /** One reply line with its code (continuations carry the code of the line they continue). */
    public record Line(int code, String text) {
    }

    /** A row of {@code show protocols}: for BGP, {@code state} is up/start/stop/down and {@code info} the FSM state. */
    public record ProtocolRow(String name, String proto, String state, String since, String info) {
        public boolean established() {
            return "up".equals(state) && info.startsWith("Established");
        }
    }

    /** A row of {@code show bfd sessions}. */
    public record BfdSession(String address, String iface, String state) {
        public boolean up() {
            return "Up".equals(state);
        }
    }

    private static final Pattern CODED = Pattern.compile("([0-9]{4})([ -])(.*)");
    private static final Pattern DATE = Pattern.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}");
    private static final Pattern ROUTES = Pattern.compile("\\s*Routes:\\s+([0-9]+) imported, (?:([0-9]+) filtered, )?([0-9]+) exported.*");

    private BirdReplies() {
    }

    /** Whether {@code raw} is the last line of a reply. */
    public static boolean isLast(String raw) {
        return raw.length() >= 5 && raw.charAt(4) == ' ' && CODED.matcher(raw).matches();
    }

    public static List<Line> parse(List<String> raw) {
        List<Line> out = new ArrayList<>();
        int code = 0;
        for (String r : raw) {
            Matcher m = CODED.matcher(r);
            if (m.matches()) {
                code = Integer.parseInt(m.group(1));
                out.add(new Line(code, m.group(3)));
            } else {
                out.add(new Line(code, r.startsWith(" ") ? r.substring(1) : r));
            }
        }
        return out;
    }

    /** The code of the last line (the reply's outcome), or -1 for no lines. */
    public static int outcome(List<Line> lines) {
        return lines.isEmpty() ? -1 : lines.get(lines.size() - 1).code();
    }

    public static boolean failed(List<Line> lines) {
        return outcome(lines) >= 8000 || outcome(lines) < 0;
    }

    /** The error lines (8xxx, 9xxx) joined, for a message. */
    public static String errors(List<Line> lines) {
        return String.join("; ", lines.stream().filter(l -> l.code() >= 8000).map(Line::text).toList());
    }

    public static List<ProtocolRow> protocols(List<Line> lines) {
        List<ProtocolRow> out = new ArrayList<>();
        for (Line l : lines) {
            if (l.code() != 1002) {
                continue;
            }
            String[] f = l.text().trim().split("\\s+");
            if (f.length < 5) {
                continue;
            }
            // "timeformat protocol iso long" writes the date and the time: two fields
            int infoAt = f.length > 5 && DATE.matcher(f[4]).matches() ? 6 : 5;
            String since = infoAt == 6 ? f[4] + " " + f[5] : f[4];
            String info = infoAt < f.length ? String.join(" ", List.of(f).subList(infoAt, f.length)) : "";
            out.add(new ProtocolRow(f[0], f[1], f[3], since, info));
        }
        return out;
    }

    /** Routes exported per protocol, from {@code show protocols all}. */
    public static Map<String, Long> exported(List<Line> lines) {
        Map<String, Long> out = new LinkedHashMap<>();
        String current = null;
        for (Line l : lines) {
            if (l.code() == 1002) {
                String[] f = l.text().trim().split("\\s+");
                current = f.length > 0 ? f[0] : null;
            } else if (l.code() == 1006 && current != null) {
                Matcher m = ROUTES.matcher(l.text());
                if (m.matches()) {
                    out.merge(current, Long.parseLong(m.group(3)), Long::sum);
                }
            }
        }
        return out;
    }

    public static List<BfdSession> bfdSessions(List<Line> lines) {
        List<BfdSession> out = new ArrayList<>();
        for (Line l : lines) {
            String t = l.text().trim();
            if (l.code() != 1020 || t.endsWith(":") || t.startsWith("IP address") || t.isEmpty()) {
                continue;
            }
            String[] f = t.split("\\s+");
            if (f.length >= 3) {
                out.add(new BfdSession(f[0], f[1], f[2]));
            }
        }
        return out;
    }
}
