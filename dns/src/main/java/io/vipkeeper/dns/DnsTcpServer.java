package io.vipkeeper.dns;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DNS over TCP (RFC 7766) on one non-blocking selector thread: a connection costs a socket, never a thread, so
 * clients that connect and then trickle bytes hold nothing anyone else needs. Each connection must deliver every
 * query complete within the idle timeout (counted from the accept or the previous query, not from the last byte: a
 * byte every few seconds does not keep it open), lives at most {@link Limits#maxTime()} in all, and one client
 * address holds at most {@link Limits#perClient()} connections (more are closed at once). At
 * {@link Limits#maxConnections()} the oldest connection is closed to make room, so new clients are always served.
 * When accepting fails (typically "Too many open files"), the pending connection stays in the backlog and the
 * selector would report it again at once, spinning a core: accepting pauses instead, 10 ms doubling to 1 s
 * ({@link AcceptBackoff}), while the open connections are still served; each failure is counted.
 */
final class DnsTcpServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DnsTcpServer.class);
    private static final int MAX_QUERIES_PER_CONNECTION = 1000;

    /** The bounds on TCP connections; see the class comment. */
    record Limits(Duration idleTimeout, Duration maxTime, int perClient, int maxConnections) {
        static final Limits DEFAULT = new Limits(Duration.ofSeconds(5), Duration.ofSeconds(30), 8, 256);

        Limits {
            if (idleTimeout.isNegative() || idleTimeout.isZero() || maxTime.isNegative() || maxTime.isZero()
                    || perClient < 1 || maxConnections < 1) {
                throw new IllegalArgumentException("TCP limits must be positive: " + idleTimeout + ", " + maxTime + ", " + perClient
                        + ", " + maxConnections);
            }
        }
    }

    /** Why a connection was closed by the server (a metric label). */
    enum Close {
        PER_CLIENT_LIMIT("per-client-limit"), CONNECTION_LIMIT("connection-limit"), IDLE_TIMEOUT("idle-timeout"),
        MAX_TIME("max-time");

        final String label;

        Close(String label) {
            this.label = label;
        }
    }

    private final class Connection {
        final SocketChannel channel;
        final InetAddress client;
        final long endOfLife;
        long idleDeadline;
        int queries;
        final ByteBuffer length = ByteBuffer.allocate(2);
        ByteBuffer body;
        final ArrayDeque<ByteBuffer> out = new ArrayDeque<>();
        boolean closeWhenFlushed;
        SelectionKey key;

        Connection(SocketChannel channel, InetAddress client, long now) {
            this.channel = channel;
            this.client = client;
            this.endOfLife = now + limits.maxTime().toNanos();
            this.idleDeadline = now + limits.idleTimeout().toNanos();
        }
    }

    private final ServerSocketChannel server;
    private final Limits limits;
    private final Function<byte[], byte[]> answerer;
    private final Consumer<Close> closed;
    private final Acceptor acceptor;
    private final Runnable acceptFailed;
    private final IntConsumer openChanged;
    private final AcceptBackoff backoff = new AcceptBackoff(Duration.ofMillis(10), Duration.ofSeconds(1));
    /** While accepting is paused after a failure: when to listen again (System.nanoTime), else 0. */
    private long acceptPausedUntil;
    private SelectionKey acceptKey;
    private final Selector selector;
    /** In accept order: the first is the oldest. Touched only by the selector thread. */
    private final Set<Connection> connections = new LinkedHashSet<>();
    private final Map<InetAddress, Integer> perClient = new HashMap<>();
    private final Thread thread;
    private volatile boolean stopping;

    /**
     * {@code answerer}: wire query to wire answer, or null to close the connection; it runs on the selector thread, so it
     * must not block (it answers from memory). {@code closed} hears of each connection the server closes for a limit.
     */
    DnsTcpServer(ServerSocketChannel server, Limits limits, Function<byte[], byte[]> answerer, Consumer<Close> closed) throws IOException {
        this(server, limits, answerer, closed, () -> { }, open -> { }, ServerSocketChannel::accept);
    }

    /** Takes the next pending connection (tests make it fail as a process out of file descriptors does). */
    interface Acceptor {
        SocketChannel accept(ServerSocketChannel server) throws IOException;
    }

    /** {@code acceptFailed} hears of each failed accept, {@code openChanged} the number of open connections after each change. */
    DnsTcpServer(ServerSocketChannel server, Limits limits, Function<byte[], byte[]> answerer, Consumer<Close> closed, Runnable acceptFailed,
                 IntConsumer openChanged, Acceptor acceptor) throws IOException {
        this.server = server;
        this.limits = limits;
        this.answerer = answerer;
        this.closed = closed;
        this.acceptFailed = acceptFailed;
        this.openChanged = openChanged;
        this.acceptor = acceptor;
        this.selector = Selector.open();
        server.configureBlocking(false);
        this.acceptKey = server.register(selector, SelectionKey.OP_ACCEPT);
        this.thread = new Thread(this::run, "dns-tcp");
        this.thread.setDaemon(true);
    }

    DnsTcpServer start() {
        thread.start();
        return this;
    }

    private void run() {
        while (!stopping) {
            try {
                long now = System.nanoTime();
                long next = now + TimeUnit.SECONDS.toNanos(1);
                for (Connection c : connections) {
                    next = Math.min(next, Math.min(c.idleDeadline, c.endOfLife));
                }
                if (acceptPausedUntil != 0) {
                    next = Math.min(next, acceptPausedUntil);
                }
                selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(next - now) + 1));
                resumeAccepting(System.nanoTime());
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey k = it.next();
                    it.remove();
                    handle(k);
                }
                expire(System.nanoTime());
            } catch (ClosedSelectorException e) {
                return;
            } catch (IOException | RuntimeException e) {
                if (!stopping) {
                    LOG.warn("tcp: {}", e.toString());
                }
            }
        }
    }

    private void handle(SelectionKey k) {
        try {
            if (k.isAcceptable()) {
                accept();
                return;
            }
            Connection c = (Connection) k.attachment();
            if (k.isWritable()) {
                flush(c);
            }
            if (k.isValid() && k.isReadable()) {
                read(c);
            }
        } catch (CancelledKeyException e) {
            // closed meanwhile
        } catch (IOException | RuntimeException e) {
            // one connection's failure (a reset, a query that breaks the answerer) closes that connection only
            LOG.debug("tcp: {}", e.toString());
            if (k.attachment() instanceof Connection c) {
                close(c, null);
            }
        }
    }

    private void accept() throws IOException {
        SocketChannel ch;
        while ((ch = acceptOrPause()) != null) {
            InetAddress client = ((InetSocketAddress) ch.getRemoteAddress()).getAddress();
            if (perClient.getOrDefault(client, 0) >= limits.perClient()) {
                closed.accept(Close.PER_CLIENT_LIMIT); // counted first: whoever sees the close sees the count
                ch.close();
                continue;
            }
            if (connections.size() >= limits.maxConnections()) {
                close(connections.iterator().next(), Close.CONNECTION_LIMIT);
            }
            ch.configureBlocking(false);
            Connection c = new Connection(ch, client, System.nanoTime());
            c.key = ch.register(selector, SelectionKey.OP_READ, c);
            connections.add(c);
            perClient.merge(client, 1, Integer::sum);
            openChanged.accept(connections.size());
        }
    }

    /** The next pending connection, or null when there is none or accepting failed (then it pauses: see the class comment). */
    private SocketChannel acceptOrPause() {
        try {
            SocketChannel ch = acceptor.accept(server);
            if (ch != null) {
                backoff.succeeded();
            }
            return ch;
        } catch (IOException e) {
            acceptFailed.run();
            Duration pause = backoff.failed();
            LOG.warn("tcp: accepting failed ({}); not accepting for {} ms", e.getMessage(), pause.toMillis());
            acceptKey.interestOps(0);
            acceptPausedUntil = System.nanoTime() + pause.toNanos();
            return null;
        }
    }

    private void resumeAccepting(long now) {
        if (acceptPausedUntil != 0 && now - acceptPausedUntil >= 0) {
            acceptPausedUntil = 0;
            if (acceptKey.isValid()) {
                acceptKey.interestOps(SelectionKey.OP_ACCEPT);
            }
        }
    }

    private void read(Connection c) throws IOException {
        // one query at a time: while an answer waits for the client to read it, nothing more is read
        while (c.out.isEmpty() && !c.closeWhenFlushed) {
            ByteBuffer buf = c.body == null ? c.length : c.body;
            int n = c.channel.read(buf);
            if (n < 0) {
                close(c, null);
                return;
            }
            if (buf.hasRemaining()) {
                return; // wait for more
            }
            if (c.body == null) {
                int len = ((c.length.get(0) & 0xff) << 8) | (c.length.get(1) & 0xff);
                c.body = ByteBuffer.allocate(len);
                if (len > 0) {
                    continue;
                }
            }
            byte[] query = c.body.array();
            c.body = null;
            c.length.clear();
            c.queries++;
            c.idleDeadline = System.nanoTime() + limits.idleTimeout().toNanos();
            byte[] answer = query.length == 0 ? null : answerer.apply(query);
            if (answer == null) {
                close(c, null);
                return;
            }
            ByteBuffer framed = ByteBuffer.allocate(2 + answer.length);
            framed.putShort((short) answer.length).put(answer).flip();
            c.out.add(framed);
            c.closeWhenFlushed = c.queries >= MAX_QUERIES_PER_CONNECTION;
            flush(c);
        }
    }

    private void flush(Connection c) throws IOException {
        while (!c.out.isEmpty()) {
            ByteBuffer b = c.out.peek();
            c.channel.write(b);
            if (b.hasRemaining()) {
                c.key.interestOps(SelectionKey.OP_WRITE);
                return;
            }
            c.out.poll();
        }
        if (c.closeWhenFlushed) {
            close(c, null);
            return;
        }
        c.key.interestOps(SelectionKey.OP_READ);
    }

    private void expire(long now) {
        List<Connection> late = new ArrayList<>();
        for (Connection c : connections) {
            if (now - c.endOfLife >= 0 || now - c.idleDeadline >= 0) {
                late.add(c);
            }
        }
        for (Connection c : late) {
            close(c, now - c.endOfLife >= 0 ? Close.MAX_TIME : Close.IDLE_TIMEOUT);
        }
    }

    private void close(Connection c, Close reason) {
        if (!connections.remove(c)) {
            return;
        }
        perClient.computeIfPresent(c.client, (k, n) -> n <= 1 ? null : n - 1);
        openChanged.accept(connections.size());
        if (reason != null) {
            closed.accept(reason); // counted first: whoever sees the close sees the count
        }
        try {
            c.channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        stopping = true;
        selector.wakeup();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Connection c : new ArrayList<>(connections)) {
            close(c, null);
        }
        try {
            selector.close();
            server.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
