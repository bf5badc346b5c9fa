package io.vipkeeper.agent;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code conntrackd -s} reports (conntrack-tools 1.4), the parts the agent exports: flows in the internal cache
 * (this node's, being synced) and those it could not take (full: {@code HashLimit}; never sent), flows injected from
 * the peers into the kernel table (and failures), messages lost on the way (sequence gaps), and socket errors.
 *
 * @param injectCalls every write of a peer's flow into the kernel table, done or failed: created, updated and
 *                    deleted (a resync's answer mostly updates flows the node has already)
 */
record ConntrackdStats(long entries, long notCached, long injected, long injectFailed, long lostMessages, long sendErrors,
                       long recvErrors, long injectCalls) {

    static final ConntrackdStats NONE = new ConntrackdStats(0, 0, 0, 0, 0, 0, 0, 0);

    private static final Pattern ENTRIES = Pattern.compile("current active connections:\\s+(\\d+)");
    private static final Pattern CACHED = Pattern.compile("cache internal:\\s*\\n[^\\n]*\\n\\s*connections created:\\s+(\\d+)\\s+failed:\\s+(\\d+)");
    private static final Pattern INJECTED = Pattern.compile("external inject:\\s*\\n\\s*connections created:\\s+(\\d+)\\s+failed:\\s+(\\d+)");
    private static final Pattern INJECT_CALLS = Pattern.compile("external inject:\\s*\\n"
            + "\\s*connections created:\\s+(\\d+)\\s+failed:\\s+(\\d+)\\s*\\n"
            + "\\s*connections updated:\\s+(\\d+)\\s+failed:\\s+(\\d+)\\s*\\n"
            + "\\s*connections destroyed:\\s+(\\d+)\\s+failed:\\s+(\\d+)");
    private static final Pattern LOST = Pattern.compile("(\\d+) Lost msgs");
    private static final Pattern ERRORS = Pattern.compile("(\\d+) Error send\\s+(\\d+) Error recv");

    /** Parses the output; a figure it cannot find counts 0 (a version that words it differently exports zeros). */
    static ConntrackdStats parse(String out) {
        long[] inj = pair(INJECTED, out);
        long[] err = pair(ERRORS, out);
        return new ConntrackdStats(one(ENTRIES, out), pair(CACHED, out)[1], inj[0], inj[1], one(LOST, out), err[0], err[1],
                sum(INJECT_CALLS, out));
    }

    private static long sum(Pattern p, String out) {
        Matcher m = p.matcher(out);
        long n = 0;
        if (m.find()) {
            for (int g = 1; g <= m.groupCount(); g++) {
                n += Long.parseLong(m.group(g));
            }
        }
        return n;
    }

    private static long one(Pattern p, String out) {
        Matcher m = p.matcher(out);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    private static long[] pair(Pattern p, String out) {
        Matcher m = p.matcher(out);
        return m.find() ? new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))} : new long[] {0, 0};
    }
}
