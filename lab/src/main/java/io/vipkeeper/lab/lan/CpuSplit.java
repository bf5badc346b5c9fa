package io.vipkeeper.lab.lan;

/**
 * Which CPUs the lab's nodes run on and which its client and pods run on ({@code lab up --node-cpus}): on one machine
 * the lab's "machines" share its cores, so a node's work (a conntrackd injecting a whole table, a JVM's start) delays
 * the client's and the backends' packets, which separate machines would not. Split, the nodes (agents, keepalived,
 * conntrackd, BIRD) and the lab's API server and controller run on {@link #nodes}, the client and the pods on
 * {@link #workloads}. {@link #NONE}: everything anywhere (the default).
 */
public record CpuSplit(CpuList nodes, CpuList workloads) {

    public static final CpuSplit NONE = new CpuSplit(CpuList.NONE, CpuList.NONE);

    public boolean split() {
        return !nodes.isEmpty();
    }

    /**
     * The nodes on {@code nodes}, everything else on the rest of {@code online}; throws {@link IllegalArgumentException}
     * (its message for a one-line error) when a CPU is not online or none is left for the client and pods.
     */
    public static CpuSplit of(CpuList nodes, CpuList online) {
        if (online.cpus().size() < 2) {
            throw new IllegalArgumentException("--node-cpus needs a machine with two CPUs or more (this one has " + online.text() + ")");
        }
        if (!online.containsAll(nodes)) {
            throw new IllegalArgumentException("--node-cpus " + nodes.text() + ": CPU " + nodes.minus(online).text()
                    + " is not online here (this machine's CPUs: " + online.text() + ")");
        }
        CpuList rest = online.minus(nodes);
        if (rest.isEmpty()) {
            throw new IllegalArgumentException("--node-cpus " + nodes.text() + " leaves no CPU for the client and the pods "
                    + "(this machine's CPUs: " + online.text() + "); give the nodes fewer, e.g. --node-cpus " + online.cpus().get(online.cpus().size() - 1));
        }
        return new CpuSplit(nodes, rest);
    }
}
