package io.vipkeeper.lab.lan;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * A set of CPUs in the kernel's list format ({@code 0}, {@code 1-3}, {@code 0,2-3}): what {@code taskset -c} takes and
 * {@code /sys/devices/system/cpu/online} holds. Strict: sorted and canonical when printed, nothing else accepted.
 */
public record CpuList(List<Integer> cpus) {

    /** The kernel's limit on this machine's kind (NR_CPUS of Debian's kernels is 8192); a bound for the parser. */
    private static final int MAX_CPU = 8191;
    public static final CpuList NONE = new CpuList(List.of());

    public CpuList {
        cpus = List.copyOf(new TreeSet<>(cpus));
    }

    /** Parses {@code text}; throws {@link IllegalArgumentException} naming what is wrong. */
    public static CpuList parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("an empty CPU list (give CPU numbers and ranges, e.g. 1 or 2-3 or 0,2)");
        }
        List<Integer> out = new ArrayList<>();
        for (String item : text.strip().split(",", -1)) {
            int dash = item.indexOf('-');
            int from = number(item, dash < 0 ? item : item.substring(0, dash), text);
            int to = dash < 0 ? from : number(item, item.substring(dash + 1), text);
            if (to < from) {
                throw new IllegalArgumentException("CPU range " + item + " in '" + text + "' runs backwards");
            }
            for (int c = from; c <= to; c++) {
                out.add(c);
            }
        }
        return new CpuList(out);
    }

    private static int number(String item, String digits, String text) {
        if (digits.isEmpty() || digits.length() > 4 || !digits.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
            throw new IllegalArgumentException("'" + item + "' in '" + text + "' is not a CPU number or range (e.g. 1 or 2-3 or 0,2)");
        }
        int n = Integer.parseInt(digits);
        if (n > MAX_CPU) {
            throw new IllegalArgumentException("CPU " + n + " in '" + text + "' is beyond " + MAX_CPU);
        }
        return n;
    }

    /** This machine's online CPUs ({@code /sys/devices/system/cpu/online}). */
    public static CpuList online() throws IOException {
        return parse(Files.readString(Path.of("/sys/devices/system/cpu/online")));
    }

    public boolean isEmpty() {
        return cpus.isEmpty();
    }

    public boolean containsAll(CpuList other) {
        return cpus.containsAll(other.cpus);
    }

    /** These CPUs without {@code other}'s. */
    public CpuList minus(CpuList other) {
        List<Integer> out = new ArrayList<>(cpus);
        out.removeAll(other.cpus);
        return new CpuList(out);
    }

    /** The canonical list, ranges joined: {@code 0,2-3}. */
    public String text() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < cpus.size(); ) {
            int j = i;
            while (j + 1 < cpus.size() && cpus.get(j + 1) == cpus.get(j) + 1) {
                j++;
            }
            b.append(b.isEmpty() ? "" : ",").append(cpus.get(i));
            if (j > i) {
                b.append('-').append(cpus.get(j));
            }
            i = j + 1;
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return text();
    }
}
